import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import type { StreamEvents } from './wire.ts';

/** What the dashboard is told, as one Server-Sent Event each. */
export type HubMessage = { [T in keyof StreamEvents]: { type: T; data: StreamEvents[T] } }[keyof StreamEvents];

interface Client {
  stream: PassThrough;
  socket: Socket;
}

const HEARTBEAT_MS = 15_000;

/** The Server-Sent Events stream of the dashboard: every open page gets every message. */
export class Hub {
  readonly #clients = new Set<Client>();
  #heartbeat: NodeJS.Timeout | undefined;

  get size(): number {
    return this.#clients.size;
  }

  /** Answer `ctx` with an event stream that stays open until the page goes away. */
  connect(ctx: Context): void {
    const socket = ctx.req.socket;
    socket.setTimeout(0);
    socket.setNoDelay(true);
    const stream = new PassThrough();
    const client: Client = { stream, socket };
    ctx.status = 200;
    ctx.set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive' });
    ctx.body = stream;
    stream.write('retry: 1000\n\n');
    this.#clients.add(client);
    ctx.req.once('close', () => this.#drop(client));
    this.#heartbeat ??= setInterval(() => this.#write(': ping\n\n'), HEARTBEAT_MS).unref();
  }

  send(message: HubMessage): void {
    if (this.#clients.size === 0) return;
    this.#write(`event: ${message.type}\ndata: ${JSON.stringify(message.data)}\n\n`);
  }

  /** End every stream and its connection (the server is closing). */
  close(): void {
    for (const client of [...this.#clients]) {
      this.#drop(client);
      client.socket.destroy();
    }
  }

  #write(text: string): void {
    for (const client of this.#clients) client.stream.write(text);
  }

  #drop(client: Client): void {
    if (!this.#clients.delete(client)) return;
    client.stream.end();
    if (this.#clients.size === 0 && this.#heartbeat) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    }
  }
}
