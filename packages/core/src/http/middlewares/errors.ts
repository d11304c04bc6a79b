import { STATUS_CODES } from 'node:http';
import type { Context } from 'koa';
import { NexusError, errorMessage, type ErrorCode, type ErrorLocation } from '../../errors.ts';
import type { Logger } from '../../logger/types.ts';

interface HttpError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  type?: string;
}

/** Options of the error middleware. */
export interface ErrorsOptions {
  logger: Logger;
  /**
   * Where a route's error points in its plugin's code, with the source lines around it: sent in
   * 5xx answers under `nexus dev` only. Absent in production.
   */
  locate?: (plugin: string, error: unknown) => ErrorLocation | undefined;
}

/** How a request's outcome becomes its answer. */
export interface Answers {
  /**
   * Answer what handling the request threw, as JSON with a `code`: a NexusError with its code's
   * status (a NEXUS_DB_CONSTRAINT is a 409), other 4xx with their message only when it is marked
   * safe (`expose`, as Koa's `ctx.throw` does), 5xx logged with the plugin that threw.
   */
  fail(ctx: Context, error: unknown): void;
  /** Send an object body as JSON (a value JSON cannot encode becomes a logged 500); other bodies are left to Koa. */
  send(ctx: Context): void;
}

/** Runs `work(ctx)`, the rest of a request's handling, then answers what it threw or sends what it set. */
export type ErrorBoundary = (ctx: Context, work: (ctx: Context) => Promise<unknown>) => Promise<void>;

/** The answers of one app (see `Answers`). */
export function errorAnswers({ logger, locate }: ErrorsOptions): Answers {
  return {
    fail(ctx, error) {
      const http = (error ?? {}) as HttpError;
      const status = http.status ?? http.statusCode ?? 500;
      ctx.status = status;
      if (status >= 500) {
        const plugin = ctx.state.plugin as string | undefined;
        logger.error(`${ctx.method} ${ctx.path} failed${plugin ? ` in plugin "${plugin}"` : ''}: ${errorMessage(error)}`, error instanceof Error ? error : undefined);
        const body: Record<string, unknown> = {
          error: 'internal_error',
          code: 'NEXUS_INTERNAL',
          message: plugin ? `Plugin "${plugin}" failed to handle the request; see the server log` : 'Internal error',
        };
        const location = plugin ? locate?.(plugin, error) : undefined;
        if (location) body.location = location;
        ctx.body = body;
        return;
      }
      ctx.body = { error: errorName(status, http.type), code: codeOf(status, error, http.type), message: clientMessage(status, error, http) };
    },
    send: (ctx) => sendJson(ctx, logger),
  };
}

/** An error boundary made of `answers`: what a plugin route's own frame does, for the other paths. */
export function errorBoundary(answers: Answers): ErrorBoundary {
  return async function nexusErrors(ctx, work): Promise<void> {
    try {
      await work(ctx);
    } catch (error) {
      answers.fail(ctx, error);
    }
    answers.send(ctx);
  };
}

/**
 * Turn an object body into JSON text here rather than in Koa's respond(), where a value JSON cannot
 * encode (a BigInt, a cycle) would become a bare text/plain 500 with nothing logged; then send it.
 */
function sendJson(ctx: Context, logger: Logger): void {
  if (ctx.respond === false) return; // sent already, or by the route itself
  const { response } = ctx;
  const body: unknown = response.body;
  if (typeof body !== 'object' || body === null || !isPlainJsonBody(body)) return;
  let text: string;
  try {
    text = JSON.stringify(body);
  } catch (error) {
    const plugin = ctx.state.plugin as string | undefined;
    const where = plugin ? `plugin "${plugin}"` : 'the host';
    logger.error(`${ctx.method} ${ctx.path}: ${where} answered with a value JSON cannot encode: ${errorMessage(error)}`);
    ctx.status = 500;
    ctx.body = { error: 'internal_error', code: 'NEXUS_RESPONSE_INVALID', message: `The answer of ${where} cannot be sent as JSON; see the server log` };
    return;
  }
  const { res } = ctx;
  if (ctx.req.method === 'HEAD' || EMPTY_STATUS.has(res.statusCode) || !response.writable) {
    // Koa's respond() sends it. The JSON content type was set when the object was assigned; a string keeps it.
    response.body = text;
    return;
  }
  // Sent here, as Koa's respond() would send it, but without returning res.end()'s result: the
  // request's promise chain would resolve twice with the ServerResponse, each time looking up `then`
  // along its prototype chain (~1.4k instructions a request, a tenth of a plugin route's cost).
  // ctx.body stays the object the route set (the dev tracer shows it).
  ctx.respond = false;
  if (!res.hasHeader('Transfer-Encoding')) res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** Statuses Koa answers without a body. */
const EMPTY_STATUS = new Set([204, 205, 304]);

function isPlainJsonBody(body: object): boolean {
  const proto: unknown = Object.getPrototypeOf(body);
  if (proto === Object.prototype || proto === Array.prototype || proto === null) return true;
  if (Buffer.isBuffer(body) || typeof (body as { pipe?: unknown }).pipe === 'function') return false;
  return !(body instanceof Blob || body instanceof ReadableStream || body instanceof Response);
}

function codeOf(status: number, error: unknown, type?: string): ErrorCode {
  if (error instanceof NexusError) return error.code;
  if (type === 'entity.parse.failed' || status === 400) return 'NEXUS_BAD_REQUEST';
  if (status === 413) return 'NEXUS_PAYLOAD_TOO_LARGE';
  if (status === 415) return 'NEXUS_UNSUPPORTED_MEDIA_TYPE';
  if (status === 404) return 'NEXUS_ROUTE_NOT_FOUND';
  return 'NEXUS_HTTP_ERROR';
}

function errorName(status: number, type?: string): string {
  if (type === 'entity.parse.failed' || status === 400) return 'bad_request';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  return `http_${status}`;
}

function clientMessage(status: number, error: unknown, http: HttpError): string {
  if (status === 413) return 'Request body is too large';
  if (http.type === 'entity.parse.failed' || (status === 400 && /JSON|Unexpected/i.test(errorMessage(error)))) return `Malformed JSON body: ${errorMessage(error)}`;
  if (http.expose === true) return errorMessage(error);
  return STATUS_CODES[status] ?? `HTTP ${status}`;
}
