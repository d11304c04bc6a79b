import { isIP } from 'node:net';
import type { Context, Next } from 'koa';

/**
 * Which Host headers the server answers, as Vite does since CVE-2025-24010: IP addresses,
 * localhost and `*.localhost`, the host the server listens on, and `allowedHosts` from nexus.config
 * (a leading dot allows subdomains). A DNS-rebinding page names its own domain and is refused.
 */
export function createHostFilter(listenHost: string | undefined, allowedHosts: readonly string[]): (header: string | undefined) => boolean {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const host of [...allowedHosts, ...(listenHost ? [listenHost] : [])]) {
    const name = host.toLowerCase();
    if (name.startsWith('.')) {
      exact.add(name.slice(1));
      suffixes.push(name);
    } else exact.add(name);
  }
  // Answers per Host header; a client sending endless distinct names cannot grow it past a bound.
  const known = new Map<string, boolean>();
  // Clients send one Host header over and over: comparing with the last costs less than hashing it.
  let last: string | undefined;
  let lastAllowed = true;
  return (header) => {
    if (header === undefined) return true; // HTTP/1.0: no Host header, nothing a browser sends
    if (header === last) return lastAllowed;
    let allowed = known.get(header);
    if (allowed === undefined) {
      allowed = isAllowed(header.trim().toLowerCase(), exact, suffixes);
      if (known.size < 1000) known.set(header, allowed);
    }
    last = header;
    lastAllowed = allowed;
    return allowed;
  };
}

function isAllowed(header: string, exact: ReadonlySet<string>, suffixes: readonly string[]): boolean {
  if (header.startsWith('[')) {
    const end = header.indexOf(']');
    return end > 0 && isIP(header.slice(1, end)) === 6;
  }
  const colon = header.indexOf(':');
  const name = colon === -1 ? header : header.slice(0, colon);
  if (isIP(name) === 4) return true;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  return exact.has(name) || suffixes.some((suffix) => name.endsWith(suffix));
}

/** Answer 403 JSON to a request whose Host header is not allowed. */
export function hostCheck(allowed: (header: string | undefined) => boolean) {
  return function nexusHostCheck(ctx: Context, next: Next): Promise<void> | void {
    if (allowed(ctx.req.headers.host)) return next();
    refuseHost(ctx);
  };
}

/** Answer 403 `NEXUS_HOST_NOT_ALLOWED`, saying how to allow the Host the request named. */
export function refuseHost(ctx: Context): void {
  const header = ctx.req.headers.host;
  const name = JSON.stringify((header ?? '').replace(/:\d+$/, ''));
  ctx.status = 403;
  ctx.body = {
    error: 'host_not_allowed',
    code: 'NEXUS_HOST_NOT_ALLOWED',
    message: `Blocked request: host ${name} is not allowed. To allow it, add ${name} to "allowedHosts" in nexus.config.json.`,
  };
}

/** True when `host` (as given to --host or nexus.config) only reaches this machine. */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  return name === 'localhost' || name === '::1' || (isIP(name) === 4 && name.startsWith('127.'));
}
