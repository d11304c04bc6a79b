import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { NexusError } from '../errors.ts';

/**
 * How long the server waits on a client, chosen rather than left to Node's defaults (60 s for
 * headers, 300 s per request): a slow or stalled client holds a socket for at most these.
 */
export interface HttpTimeouts {
  /** Time to receive the request headers. @default 15000 */
  headersTimeout: number;
  /** Time to receive the whole request, body included. @default 60000 */
  requestTimeout: number;
  /** How long an idle keep-alive connection stays open. @default 5000 */
  keepAliveTimeout: number;
}

/** The HTTP timeouts Nexus uses (documented in the core README, "Limits and timeouts"). */
export const HTTP_TIMEOUTS: Readonly<HttpTimeouts> = Object.freeze({
  headersTimeout: 15_000,
  requestTimeout: 60_000,
  keepAliveTimeout: 5_000,
});

/** Start listening; a port in use becomes an error that says what to do. */
export function listen(
  http: Koa,
  port: number,
  host: string,
  timeouts: HttpTimeouts = HTTP_TIMEOUTS,
): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = createServer(
      {
        headersTimeout: timeouts.headersTimeout,
        requestTimeout: timeouts.requestTimeout,
        keepAliveTimeout: timeouts.keepAliveTimeout,
        // How often Node checks the two timeouts above (its default, 30 s, would stretch them).
        connectionsCheckingInterval: Math.min(1_000, timeouts.headersTimeout),
      },
      http.callback(),
    );
    server.keepAliveTimeout = timeouts.keepAliveTimeout;
    server.on('clientError', answerClientError);
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new NexusError('NEXUS_PORT_IN_USE', `Port ${port} on ${host} is already in use; stop the other process, or pass --port 0 to pick a free port`, { cause: error }));
      } else reject(error);
    });
    server.once('listening', () => {
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({ server, url: `http://${shownHost}:${address.port}` });
    });
    server.listen(port, host);
  });
}

/**
 * What Node answers itself (a request it cannot parse, headers too large, a timeout) is JSON with a
 * code too, like every other error answer.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'NEXUS_REQUEST_TIMEOUT', 'The request took too long to arrive; send it at once']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'NEXUS_HEADERS_TOO_LARGE', 'The request headers are too large']
        : [400, 'NEXUS_BAD_REQUEST', 'The request is not valid HTTP'];
  const body = JSON.stringify({ error: status === 400 ? 'bad_request' : `http_${status}`, code, message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Close the server, ending idle keep-alive connections so it does not hang. */
export function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}
