import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { NexusError } from '../errors.ts';

/** Start listening; a port in use becomes an error that says what to do. */
export function listen(http: Koa, port: number, host: string): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = http.listen(port, host);
    server.keepAliveTimeout = 5_000;
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
  });
}

/** Close the server, ending idle keep-alive connections so it does not hang. */
export function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}
