/**
 * Runs the built server (`dist/server/main.js`) as a separate process, as production does: for
 * cross-instance tests (two instances sharing one database and Redis), kill -9 tests and cold-start timing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../../src/core/paths.js';
import { freePort } from './private-services.js';

export interface SpawnedServer {
  url: string;
  port: number;
  process: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

export const BUILT_SERVER = join(projectRoot(), 'dist', 'server', 'main.js');

export function assertBuilt(): void {
  if (!existsSync(BUILT_SERVER)) throw new Error(`${BUILT_SERVER} is missing: run \`npm run build\` first`);
}

/** Starts the built server with `env` on a free port and waits until /readyz answers 200. */
export async function spawnServer(
  env: Record<string, string>,
  options: { waitReady?: boolean; timeoutMs?: number } = {},
): Promise<SpawnedServer> {
  assertBuilt();
  const port = env.PORT ? Number(env.PORT) : await freePort();
  let output = '';
  const child = spawn(process.execPath, [BUILT_SERVER], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // Production mode requires PUBLIC_ORIGIN: the address the tests' clients use (they send it as Origin).
      ...(env.NODE_ENV === 'production' ? { PUBLIC_ORIGIN: `http://127.0.0.1:${port}` } : {}),
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const server: SpawnedServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    process: child,
    output: () => output,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  if (options.waitReady !== false) {
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) before ready:\n${output}`);
      try {
        const r = await fetch(`${server.url}/readyz`);
        if (r.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`server not ready after ${options.timeoutMs ?? 20_000} ms:\n${output}`);
      }
      await sleep(25);
    }
  }
  return server;
}
