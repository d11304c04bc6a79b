// Private: send one HTTP request to a Node request listener in memory, without a socket or port.
// The request is a real IncomingMessage and the response a real ServerResponse, attached to a
// stream that stands in for the socket, so Koa and its body parser behave as behind a server.
import { IncomingMessage, ServerResponse, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/** What a request listener answered. */
export interface InjectedResponse<B = any> {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string | string[]>;
  /** Parsed JSON for a JSON answer, the text for any other, undefined when there is none. */
  body: B;
}

/** One request: `body` objects are sent as JSON, strings as they are (as application/json). */
export interface InjectedRequest {
  method: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => unknown;

export function inject(listener: Listener, request: InjectedRequest): Promise<InjectedResponse> {
  const socket = nullSocket();
  const req = new IncomingMessage(socket);
  const payload = encodeBody(request.body);
  req.method = request.method.toUpperCase();
  req.url = request.url;
  req.httpVersion = '1.1';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.headers = headersOf(request, payload);
  req.rawHeaders = Object.entries(req.headers).flatMap(([name, value]) => [name, String(value)]);
  if (payload) req.push(payload);
  req.push(null);
  // The whole message is there: without this, reading it to the end counts as an abort and
  // destroys the socket under the response.
  req.complete = true;

  const res = new ServerResponse(req);
  res.assignSocket(socket);
  const chunks: Buffer[] = [];
  const collect = (chunk: unknown, encoding?: unknown): void => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, encoding as BufferEncoding | undefined) : Buffer.from(chunk as Uint8Array));
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    collect(chunk, typeof rest[0] === 'string' ? rest[0] : undefined);
    return write(chunk, ...rest);
  }) as typeof res.write;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    collect(chunk, typeof rest[0] === 'string' ? rest[0] : undefined);
    return end(chunk, ...rest);
  }) as typeof res.end;

  return new Promise((resolve, reject) => {
    res.once('finish', () => {
      socket.destroy();
      resolve(answer(res, Buffer.concat(chunks)));
    });
    Promise.resolve()
      .then(() => listener(req, res))
      .catch((error: unknown) => {
        socket.destroy();
        reject(error instanceof Error ? error : new Error(String(error)));
      });
  });
}

// A stream in the place of the TCP socket: it accepts (and drops) the serialized response.
function nullSocket(): Socket {
  const socket = new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
  return Object.assign(socket, { remoteAddress: '127.0.0.1', remotePort: 0, encrypted: false }) as unknown as Socket;
}

function encodeBody(body: unknown): Buffer | undefined {
  if (body === undefined) return undefined;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
}

function headersOf(request: InjectedRequest, payload: Buffer | undefined): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = { host: 'nexus.test' };
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  return headers;
}

function answer(res: ServerResponse, raw: Buffer): InjectedResponse {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value : String(value);
  }
  const text = raw.toString('utf8');
  const type = String(headers['content-type'] ?? '');
  let body: unknown = text === '' ? undefined : text;
  if (text !== '' && /[/+]json\b/.test(type)) {
    try {
      body = JSON.parse(text);
    } catch {
      // Not valid JSON after all: keep the text, the test will show it.
    }
  }
  return { status: res.statusCode, headers, body };
}
