/**
 * What the figures were measured on: CPU, memory, Node, load, and the open-file limits that bound how many
 * sockets one process can hold (on the shared VM: 20,000, soft = hard, and we cannot raise the hard limit).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

export interface FileLimits {
  /** `ulimit -n` (soft) and `ulimit -Hn` (hard) of this process. */
  soft: number;
  hard: number;
  /** /proc/sys/fs/file-max (system-wide) and /proc/sys/fs/nr_open (per-process ceiling for the hard limit). */
  fileMax: number | undefined;
  nrOpen: number | undefined;
}

export interface Machine {
  cpuModel: string;
  cpuCount: number;
  memoryGiB: number;
  node: string;
  platform: string;
  loadAverage1m: number;
  fileLimits: FileLimits;
  /** /proc/sys/net/ipv4/ip_local_port_range: loopback clients need one ephemeral port per socket. */
  ephemeralPorts: string | undefined;
}

function readNumber(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function parseLimit(value: string | undefined): number {
  if (value === undefined || value === 'unlimited') return Number.POSITIVE_INFINITY;
  return Number(value);
}

/** Open-file limits of a process, from /proc/<pid>/limits (this process by default). */
export function fileLimitsOf(pid: number | 'self' = 'self'): { soft: number; hard: number } {
  try {
    const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = line?.replace('Max open files', '').trim().split(/\s+/) ?? [];
    return { soft: parseLimit(soft), hard: parseLimit(hard) };
  } catch {
    const out = execFileSync('sh', ['-c', 'ulimit -n; ulimit -Hn'], { encoding: 'utf8' }).trim().split('\n');
    return { soft: parseLimit(out[0]), hard: parseLimit(out[1]) };
  }
}

export function describeMachine(): Machine {
  const list = cpus();
  let ephemeralPorts: string | undefined;
  try {
    ephemeralPorts = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().replace(/\s+/, '–');
  } catch {
    ephemeralPorts = undefined;
  }
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpuCount: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    fileLimits: {
      ...fileLimitsOf(),
      fileMax: readNumber('/proc/sys/fs/file-max'),
      nrOpen: readNumber('/proc/sys/fs/nr_open'),
    },
    ephemeralPorts,
  };
}

/**
 * The shell prefix that raises a child's soft open-file limit: to `wanted` when the hard limit allows it (or
 * when we may raise the hard limit, e.g. with CAP_SYS_RESOURCE), else to the hard limit. The child's real
 * limit is read back from /proc/<pid>/limits and recorded with the results.
 */
export function ulimitPrefix(wanted: number): string {
  const n = Math.floor(Math.max(wanted, fileLimitsOf().soft));
  return `{ ulimit -Sn ${n} || { ulimit -Hn ${n} && ulimit -Sn ${n}; } || ulimit -Sn "$(ulimit -Hn)"; } 2>/dev/null; `;
}

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status), or NaN once it is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU time (user + system, every thread) a process has used so far, in seconds; NaN if it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in ticks.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** USER_HZ: 100 on every Linux this runs on (the kernel reports /proc times in it). */
const CLOCK_TICKS_PER_SECOND = 100;
