/**
 * A real HTTP proxy on 127.0.0.1 in front of a live server, which fails the
 * requests a test picks the way networks and gateways do: a 502 without
 * passing the request on, or passing it on and then cutting the connection
 * before the answer, so the server has done the work the client never hears of.
 */
import { createServer } from 'node:http';
import { listenOnLoopback, type LiveServer } from './live-server.ts';

/** Headers that describe one connection, not the request. */
const HOP_HEADERS = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

export type Fault = 'none' | 'bad-gateway' | 'lose-response';

/** `faultFor` sees each request's body and its number (from 0) and says what to do with it. */
export async function startFaultProxy(
  targetUrl: string,
  faultFor: (body: string, index: number) => Fault,
): Promise<LiveServer> {
  let index = 0;
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const fault = faultFor(body, index++);
    if (fault === 'bad-gateway') {
      response.writeHead(502, { 'content-type': 'text/html' }).end('<h1>502 Bad Gateway</h1>');
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string' && !HOP_HEADERS.has(entry[0]),
      ),
    );
    const answer = await fetch(targetUrl, { method: request.method, headers, body });
    const text = await answer.text();
    if (fault === 'lose-response') {
      request.socket.destroy();
      return;
    }
    response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' }).end(text);
  });
  return listenOnLoopback(server);
}
