import type { Context } from 'koa';

const LOOPBACK = /^(localhost|.+\.localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

/** The host name of a Host header or URL authority, without the port, lower-cased. */
function hostName(authority: string): string {
  const trimmed = authority.trim().toLowerCase();
  if (trimmed.startsWith('[')) return trimmed.slice(0, trimmed.indexOf(']') + 1);
  return trimmed.split(':')[0]!;
}

/**
 * Whether the request names a host the dashboard may answer: a loopback name, or the host the app
 * listens on. Stops DNS rebinding (a page on another domain resolving to 127.0.0.1) from reading
 * the dashboard or driving its actions.
 */
export function allowedHost(ctx: Context, listenHost: string | undefined): boolean {
  const name = hostName(ctx.get('host'));
  if (!name) return false;
  if (LOOPBACK.test(name)) return true;
  const listening = listenHost ? hostName(listenHost) : '';
  return listening !== '' && listening !== '0.0.0.0' && listening !== '::' && listening !== '[::]' && name === listening;
}

/**
 * Whether a state-changing request comes from a page of this server: its Origin is this Host (a
 * browser always sends Origin on a cross-site POST), or, without Origin, the browser says same-origin.
 */
export function sameOrigin(ctx: Context): boolean {
  const origin = ctx.get('origin');
  if (origin) {
    try {
      return new URL(origin).host.toLowerCase() === ctx.get('host').toLowerCase();
    } catch {
      return false;
    }
  }
  return ctx.get('sec-fetch-site') === 'same-origin';
}
