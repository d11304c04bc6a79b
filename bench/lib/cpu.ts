/**
 * CPU time of one process or one thread, from /proc (Linux). Unlike wall-clock throughput it
 * hardly moves when other processes compete for the cores, so it shows per-request cost.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every common Linux build). */
const TICKS_PER_SECOND = 100;

/**
 * User + system CPU ms used so far by thread `tid` of process `pid` (the main thread when `tid`
 * is omitted: its tid is the pid), or by the whole process with `tid: 'all'`. NaN without /proc.
 * Resolution is one tick (10 ms): use it over seconds, not milliseconds.
 */
export function cpuTimeMs(pid: number = process.pid, tid: number | 'all' = pid): number {
  try {
    const file = tid === 'all' ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
    const stat = readFileSync(file, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}
