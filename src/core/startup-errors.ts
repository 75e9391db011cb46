import type { Config } from '../config/config.js';

/** One human line for a failure at start, without a stack trace. */
export function describeStartupFailure(err: unknown, prefix?: string, config?: Config): string {
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
  let line: string;
  if (e?.code === 'EADDRINUSE') {
    line = `port ${e.port ?? config?.port ?? '?'} is already in use (set PORT, or stop the other process)`;
  } else if (e?.code === 'EACCES' && e.syscall === 'listen') {
    line = `not allowed to listen on port ${e.port ?? '?'} (ports below 1024 need privileges)`;
  } else if (e?.code === 'EADDRNOTAVAIL') {
    line = `HOST ${e.address ?? config?.host ?? '?'} is not an address of this machine`;
  } else if (e instanceof Error) {
    line = e.message.split('\n')[0] ?? e.name;
  } else {
    line = String(err);
  }
  return prefix ? `${prefix}: ${line}` : line;
}
