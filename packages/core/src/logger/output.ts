import type { Writable } from 'node:stream';

const guarded = new WeakSet<NodeJS.WritableStream>();

/**
 * Write one line to a terminal stream (stdout, stderr). When its reader has gone (`nexus start |
 * head`, a closed log pipe) further output is dropped: the host keeps serving instead of crashing
 * on EPIPE, or spinning while it tries to log the failure to write a log line.
 */
export function writeLine(stream: NodeJS.WritableStream, line: string): void {
  if (!guarded.has(stream)) {
    guarded.add(stream);
    stream.on('error', ignoreClosedReader);
  }
  if ((stream as Writable).destroyed) return;
  stream.write(`${line}\n`);
}

function ignoreClosedReader(error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
  throw error;
}
