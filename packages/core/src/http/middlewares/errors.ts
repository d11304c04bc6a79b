import type { Context, Next } from 'koa';
import type { Logger } from '../../logger/types.ts';
import { errorMessage } from '../../errors.ts';

interface HttpError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  type?: string;
}

/** Turn every error into a JSON answer: 4xx with the reason, 5xx logged with the plugin that threw. */
export function errorsMiddleware(logger: Logger) {
  return async function nexusErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (error) {
      const http = (error ?? {}) as HttpError;
      const status = http.status ?? http.statusCode ?? 500;
      ctx.status = status;
      if (status >= 500) {
        const plugin = ctx.state.plugin as string | undefined;
        logger.error(`${ctx.method} ${ctx.path} failed${plugin ? ` in plugin "${plugin}"` : ''}: ${errorMessage(error)}`, error instanceof Error ? error : undefined);
        ctx.body = { error: 'internal_error', message: plugin ? `Plugin "${plugin}" failed to handle the request; see the server log` : 'Internal error' };
        return;
      }
      ctx.body = { error: errorName(status, http.type), message: clientMessage(status, error) };
    }
  };
}

function errorName(status: number, type?: string): string {
  if (type === 'entity.parse.failed' || status === 400) return 'bad_request';
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  return `http_${status}`;
}

function clientMessage(status: number, error: unknown): string {
  if (status === 400 && /JSON|Unexpected/i.test(errorMessage(error))) return `Malformed JSON body: ${errorMessage(error)}`;
  if (status === 413) return 'Request body is too large';
  return errorMessage(error);
}
