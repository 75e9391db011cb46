/**
 * Server processes of a benchmark: the built product (`dist/server/main.js`) on SQLite (fresh DATA_DIR) or
 * PostgreSQL (fresh database), and the bare `ws` relay (bench/relay/relay-server.ts). Each runs as its own
 * process, with its soft open-file limit raised as far as the hard limit allows; its RSS is read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../../src/core/paths.js';
import { BUILT_SERVER, assertBuilt } from '../../test/harness/spawn-server.js';
import { createPgDatabase, type TestPgDatabase } from '../../test/harness/postgres.js';
import { freePort } from '../../test/harness/private-services.js';
import { cpuSeconds, fileLimitsOf, rssBytes, ulimitPrefix } from './machine.js';

export type Dialect = 'sqlite' | 'postgres';
export type TargetName = 'relay' | 'socketio-sqlite' | Dialect;

/**
 * Rate limits are configured, never disabled: benchmarks set these generous values (one client address opens
 * every session) and report them with the results.
 */
export const BENCH_LIMITS: Readonly<Record<string, string>> = {
  LIMIT_LOGIN_PER_IP_PER_MINUTE: '1000000',
  LIMIT_REGISTRATIONS_PER_IP_PER_HOUR: '1000000',
  LIMIT_VISITOR_SESSIONS_PER_IP_PER_HOUR: '1000000',
  LIMIT_PASSWORD_RESETS_PER_IP_PER_HOUR: '1000000',
  LIMIT_CONVERSATIONS_PER_IP_PER_HOUR: '1000000',
  // Per sender: one benchmark agent answers up to 50 conversations, and closed-loop senders send flat out.
  LIMIT_MESSAGES_PER_10_SECONDS: '1000000',
};

/** Everything else the benchmarks set explicitly (recorded too). Production mode, durable SQLite. */
export const BENCH_SETTINGS: Readonly<Record<string, string>> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
  SQLITE_SYNCHRONOUS: 'FULL',
  DATABASE_POOL_SIZE: '10',
};

/** Every benchmark server asks for this many open files (the machine may allow fewer: see `fileLimit`). */
export const WANTED_FILE_LIMIT = 65_536;

export interface ServerProcess {
  target: TargetName;
  url: string;
  pid: number;
  /** Soft/hard open-file limits the process really got. */
  fileLimit: { soft: number; hard: number };
  rss(): number;
  /** CPU time the process has used so far (every thread), in seconds. */
  cpuSeconds(): number;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (kill -9 scenarios). */
  kill(): Promise<void>;
}

/** Children still running, killed if the runner exits or is interrupted. */
const live = new Set<ChildProcess>();
let hooked = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const c of live) c.kill('SIGKILL');
      process.exit(130);
    });
  }
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  const exited = exitOf(child);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

async function killChild(child: ChildProcess): Promise<void> {
  const exited = exitOf(child);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await exited;
}

/** Spawns `node <args>` through `sh` so the open-file limit can be raised first (`exec` keeps the pid). */
function spawnNode(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  // Profiling the servers: BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" (docs/benchmarks.md).
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const quoted = [process.execPath, ...nodeArgs, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('sh', ['-c', `${ulimitPrefix(WANTED_FILE_LIMIT)}exec ${quoted}`], {
    cwd: projectRoot(),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let output = '';
  const keep = (d: Buffer) => {
    output += d.toString();
    if (output.length > 64_000) output = output.slice(-32_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, output: () => output };
}

async function waitReady(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before ready:\n${output()}`);
    }
    try {
      const r = await fetch(url);
      await r.body?.cancel();
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`not ready after ${timeoutMs} ms:\n${output()}`);
    }
    await sleep(20);
  }
}

function processHandle(
  target: TargetName,
  url: string,
  child: ChildProcess,
  output: () => string,
): Omit<ServerProcess, 'stop'> & { child: ChildProcess } {
  const pid = child.pid!;
  return {
    target,
    url,
    pid,
    child,
    fileLimit: fileLimitsOf(pid),
    rss: () => rssBytes(pid),
    cpuSeconds: () => cpuSeconds(pid),
    output,
    kill: () => killChild(child),
  };
}

/** A product database that outlives server processes (restart, kill -9), dropped by `dispose()`. */
export interface ProductDatabase {
  dialect: Dialect;
  /** The environment that points a server at it (DATA_DIR, and DATABASE_URL for PostgreSQL). */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

export async function createProductDatabase(dialect: Dialect): Promise<ProductDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), `sc-bench-${dialect}-`));
  let pg: TestPgDatabase | undefined;
  try {
    pg = dialect === 'postgres' ? await createPgDatabase() : undefined;
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    dialect,
    env: { DATA_DIR: dataDir, ...(pg ? { DATABASE_URL: pg.url } : {}) },
    async dispose() {
      await pg?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One master key per benchmark run (production mode requires ENCRYPTION_KEYS). */
const benchKeys = `bench:${randomBytes(32).toString('base64')}`;

/** The whole environment of a benchmark product server (port aside). */
export function productEnv(database: ProductDatabase, extra: Record<string, string> = {}): Record<string, string> {
  return productEnvOf(database.env, extra);
}

/** The same, from a database's environment alone (what adapters get): for the CLI on a benchmark database. */
export function productEnvOf(
  databaseEnv: Record<string, string>,
  extra: Record<string, string> = {},
): Record<string, string> {
  // Production mode requires PUBLIC_ORIGIN: a server's own address (clients send it as Origin); the CLI, which
  // serves nothing, gets the loopback origin.
  const publicOrigin = extra.PORT ? `http://127.0.0.1:${extra.PORT}` : 'http://127.0.0.1';
  return {
    ...BENCH_SETTINGS,
    ...BENCH_LIMITS,
    ENCRYPTION_KEYS: benchKeys,
    PUBLIC_ORIGIN: publicOrigin,
    ...databaseEnv,
    ...extra,
  };
}

/** Starts the built product on `database` (on `port`, e.g. a restart's, or a free one) and waits for /readyz. */
export async function startProduct(
  database: ProductDatabase,
  options: { env?: Record<string, string>; timeoutMs?: number; port?: number } = {},
): Promise<ServerProcess> {
  assertBuilt();
  const port = options.port ?? (await freePort());
  const { child, output } = spawnNode([BUILT_SERVER], productEnv(database, { ...options.env, PORT: String(port) }));
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/readyz`, child, output, options.timeoutMs ?? 30_000);
  const handle = processHandle(database.dialect, url, child, output);
  return { ...handle, stop: (graceMs = 15_000) => stopChild(child, graceMs) };
}

export const RELAY_SCRIPT = join(projectRoot(), 'bench', 'relay', 'relay-server.ts');

/** Starts the bare `ws` relay (run by tsx: its loader adds a constant to RSS, nothing per socket). */
export async function startRelay(options: { timeoutMs?: number; port?: number } = {}): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const { child, output } = spawnNode(['--import', 'tsx', RELAY_SCRIPT], { PORT: String(port), HOST: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/healthz`, child, output, options.timeoutMs ?? 30_000);
  const handle = processHandle('relay', url, child, output);
  return { ...handle, stop: (graceMs = 5_000) => stopChild(child, graceMs) };
}

export const SOCKETIO_SQLITE_SCRIPT = join(projectRoot(), 'bench', 'baselines', 'socketio-sqlite-server.ts');

/** The Socket.IO + SQLite baseline (bench/baselines/), on a fresh data directory removed when it stops. */
export async function startSocketioSqlite(options: { timeoutMs?: number } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'sc-bench-socketio-'));
  const { child, output } = spawnNode(['--import', 'tsx', SOCKETIO_SQLITE_SCRIPT], {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/healthz`, child, output, options.timeoutMs ?? 30_000);
  const handle = processHandle('socketio-sqlite', url, child, output);
  return {
    ...handle,
    async stop(graceMs = 5_000) {
      await stopChild(child, graceMs);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Reads RSS every `everyMs` for `durationMs` and returns the samples (the last one is the settled value). */
export async function sampleRss(server: ServerProcess, durationMs: number, everyMs = 250): Promise<number[]> {
  const samples: number[] = [];
  const end = performance.now() + durationMs;
  for (;;) {
    samples.push(server.rss());
    if (performance.now() >= end) return samples;
    await sleep(Math.min(everyMs, Math.max(1, end - performance.now())));
  }
}
