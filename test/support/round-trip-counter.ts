/**
 * A TCP proxy in front of PostgreSQL that counts round trips: each time a
 * client starts sending again after the server has answered is one. However
 * a driver splits or batches its writes, this counts what the network sees.
 */
import { createConnection, createServer, type AddressInfo } from 'node:net';

export interface RoundTripCounter {
  /** The same database URL, through the proxy. */
  url: string;
  /** Round trips since the last reset, over every connection. */
  count(): number;
  /** What the client sent in each of those round trips, as Latin-1 text (SQL shows through). */
  trips(): string[];
  reset(): void;
  close(): Promise<void>;
}

export async function startRoundTripCounter(databaseUrl: string): Promise<RoundTripCounter> {
  const target = new URL(databaseUrl);
  let trips: string[] = [];
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 5432) });
    let clientSpokeLast = false;
    client.on('data', (chunk) => {
      if (!clientSpokeLast) trips.push('');
      trips[trips.length - 1] += chunk.toString('latin1');
      clientSpokeLast = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      clientSpokeLast = false;
      client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(databaseUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as AddressInfo).port);
  return {
    url: proxied.toString(),
    count: () => trips.length,
    trips: () => [...trips],
    reset: () => void (trips = []),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
