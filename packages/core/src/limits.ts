/**
 * The one set of limits for everything Nexus parses or stores: manifests, app config files,
 * config/*.yaml, request bodies, event data, stored documents and values. Past them, a request gets
 * a 4xx and a file a named error; nothing recurses deeper than this, so nothing overflows the stack.
 */
export const LIMITS = Object.freeze({
  /** Deepest nesting of objects and arrays: `{}` is depth 1, `{"a":[]}` depth 2. */
  depth: 64,
  /** Largest file or stored value, in bytes (request bodies: `bodyLimit` in nexus.config, default 1mb). */
  bytes: 1024 * 1024,
});

/** `1 MiB`-style text of a byte count, for messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/**
 * Offset of the first bracket of JSON `text` that opens level `LIMITS.depth + 1`, or undefined.
 * One pass without recursion, strings skipped: runs before anything recursive sees the text.
 */
export function excessJsonDepth(text: string, limit = LIMITS.depth): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i++; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x7b || char === 0x5b) {
      if (++depth > limit) return i;
    } else if (char === 0x7d || char === 0x5d) {
      depth--;
    }
  }
  return undefined;
}

/**
 * True when `value` nests objects or arrays deeper than `limit` (a cycle counts as too deep).
 * Iterative, and it stops at the first branch past the limit.
 */
export function isTooDeep(value: unknown, limit = LIMITS.depth): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: [object, number][] = [[value, 1]];
  // Shared branches are walked again only when reached deeper than before: no blow-up on a DAG.
  const seen = new Map<object, number>();
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > limit) return true;
    if ((seen.get(node) ?? 0) >= depth) continue;
    seen.set(node, depth);
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** The message for a value nested past the limit; `what` names it, e.g. `the request body`. */
export function depthMessage(what: string): string {
  return `${what} nests objects and arrays more than ${LIMITS.depth} levels deep (or refers to itself); Nexus accepts at most ${LIMITS.depth} levels`;
}

/** The message for a file or value past the size limit. */
export function sizeMessage(what: string, bytes: number, limit = LIMITS.bytes): string {
  return `${what} is ${formatBytes(bytes)}, more than the ${formatBytes(limit)} Nexus accepts`;
}

/** Freeze `value` and everything reachable from it (plain data; iterative, cycles are fine). */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  const stack: object[] = [value];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (Object.isFrozen(node)) continue;
    Object.freeze(node);
    for (const key of Reflect.ownKeys(node)) {
      const child = (node as Record<PropertyKey, unknown>)[key];
      if ((typeof child === 'object' && child !== null) || typeof child === 'function') stack.push(child as object);
    }
  }
  return value;
}
