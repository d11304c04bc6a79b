import type { Context } from 'koa';

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
