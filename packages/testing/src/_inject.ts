// Private: send a request to a Node request listener in memory, without a socket, through
// light-my-request (what Fastify's inject() uses), and read the answer as a test wants it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import lightMyRequest from 'light-my-request';

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

/** Send `request` to `listener` in memory; resolves once the answer is complete. */
export async function inject(listener: Listener, request: InjectedRequest): Promise<InjectedResponse> {
  const headers: Record<string, string> = { host: 'nexus.test' };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  const response = await lightMyRequest(listener as (req: IncomingMessage, res: ServerResponse) => void, {
    method: request.method.toUpperCase() as 'GET',
    url: request.url,
    headers,
    ...(request.body === undefined ? {} : { payload: typeof request.body === 'string' ? request.body : JSON.stringify(request.body) }),
  });
  const answerHeaders: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) answerHeaders[name] = Array.isArray(value) ? value : String(value);
  }
  const text = response.payload;
  let body: unknown = text === '' ? undefined : text;
  if (text !== '' && /[/+]json\b/.test(String(answerHeaders['content-type'] ?? ''))) {
    try {
      body = JSON.parse(text);
    } catch {
      // Not valid JSON after all: keep the text, the test will show it.
    }
  }
  return { status: response.statusCode, headers: answerHeaders, body };
}
