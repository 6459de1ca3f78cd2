/**
 * Prometheus metrics on their own port (METRICS_PORT, on METRICS_HOST,
 * 127.0.0.1 unless set): GET /metrics and nothing else, so what the metrics
 * tell about the server never reaches the public port.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export const METRICS_PATH = '/metrics';

export interface MetricsServer {
  /** http://host:port/metrics */
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(
  registry: Registry,
  port: number,
  host: string,
  onError: (message: string, error: unknown) => void = () => {},
): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== METRICS_PATH) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
    } else if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET' }).end();
    } else {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => {
          onError('Could not collect the metrics', error);
          response.writeHead(500).end();
        },
      );
    }
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => {
      // Named, so the message does not send the reader to PORT.
      error.message = `${error.message} (METRICS_PORT)`;
      reject(error);
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const { port: actualPort } = server.address() as AddressInfo;
  const hostname = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${hostname}:${actualPort}${METRICS_PATH}`,
    close: async () => {
      // A scraper's keep-alive connection would otherwise hold the stop up.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
