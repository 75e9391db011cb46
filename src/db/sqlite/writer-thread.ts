/**
 * The main thread's side of the SQLite writer thread (`writer.worker.ts`): requests by message, answers by
 * promise, and a FIFO lock so that a transaction's statements never interleave with anyone else's writes.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../core/logger.js';
import { projectRoot } from '../../core/paths.js';
import {
  reviveBuffers,
  type ExecResult,
  type SerializedError,
  type WriterOptions,
  type WriterRequest,
  type WriterResponse,
} from './writer-protocol.js';

/** An error from the writer thread, with SQLite's code kept (constraint and busy checks read it). */
export class SqliteWriterError extends Error {
  readonly code: string | undefined;
  constructor(e: SerializedError) {
    super(e.message);
    this.name = e.name === 'SqliteError' ? 'SqliteError' : 'SqliteWriterError';
    this.code = e.code;
  }
}

type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };
type Request = WriterRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** Runs this module's sibling worker file, from the sources (tests, `tsx`) or from the build alike. */
function startWorker(options: WriterOptions): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  const url = new URL(`./writer.worker.${fromSources ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSources) return new Worker(url, { workerData: options });
  // Worker threads do not inherit the TypeScript loader: register tsx in the thread, then import the worker.
  // (Running from the sources means a checkout with its devDependencies: tsx's ESM API is there.)
  const tsx = pathToFileURL(join(projectRoot(), 'node_modules', 'tsx', 'dist', 'esm', 'api', 'index.mjs')).href;
  const bootstrap =
    `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })` +
    `.catch((err) => { console.error(err); process.exit(1); });`;
  return new Worker(bootstrap, { eval: true, workerData: options });
}

export class SqliteWriterThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private broken: Error | undefined;
  private closing = false;
  private held = false;
  private readonly waiters: (() => void)[] = [];
  private readonly loaded = new Map<string, Promise<unknown>>();
  /** Resolves once the thread has opened the database (rejects if it cannot). */
  readonly ready: Promise<void>;

  constructor(
    options: WriterOptions,
    private readonly logger: Logger,
  ) {
    this.worker = startWorker(options);
    this.ready = new Promise((resolve, reject) => {
      const onFirst = (m: { ready?: boolean; error?: SerializedError }) => {
        if (m.ready) resolve();
        else reject(new SqliteWriterError(m.error ?? { name: 'Error', message: 'writer thread failed to start' }));
      };
      this.worker.once('message', onFirst);
      this.worker.once('error', reject);
    });
    this.ready.then(
      () => {
        this.worker.on('message', (m: WriterResponse) => this.settle(m));
        if (this.pending.size === 0) this.worker.unref();
      },
      () => undefined,
    );
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`SQLite writer thread exited (code ${code})`));
    });
  }

  private settle(m: WriterResponse): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    if (m.ok) p.resolve(m.result);
    else p.reject(new SqliteWriterError(m.error));
  }

  /** The thread died: every waiting request fails, and so does every later one (the process needs a restart). */
  private fail(err: Error): void {
    if (this.broken) return;
    this.broken = Object.assign(new Error(`SQLite writer unavailable: ${err.message}`), { code: 'SQLITE_IOERR' });
    this.logger.error({ err: { message: err.message } }, 'the SQLite writer thread stopped');
    for (const p of this.pending.values()) p.reject(this.broken);
    this.pending.clear();
  }

  private call<T>(request: Request): Promise<T> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      // The thread keeps the process alive only while an answer is awaited (an idle CLI may exit).
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  /** Waits for the write lock (FIFO); call the returned function to release it. */
  async lock(): Promise<() => void> {
    if (this.held) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.held = true;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.held = false;
    };
  }

  /** One statement (inside the caller's transaction if it holds the lock for one). */
  async exec(sql: string, params: readonly unknown[]): Promise<ExecResult> {
    const result = await this.call<ExecResult>({ op: 'exec', sql, params });
    reviveBuffers(result.rows);
    return result;
  }

  begin(): Promise<void> {
    return this.call({ op: 'begin' });
  }
  commit(): Promise<void> {
    return this.call({ op: 'commit' });
  }
  rollback(): Promise<void> {
    return this.call({ op: 'rollback' });
  }

  /**
   * Runs procedure `name` from module `moduleUrl` (imported into the thread once) in one transaction, under the
   * write lock. The procedure's output crosses the thread boundary by structured clone (Buffers arrive as
   * Uint8Arrays: see `reviveBuffers`).
   */
  async procedure<O>(moduleUrl: string, name: string, input: unknown): Promise<O> {
    let loading = this.loaded.get(moduleUrl);
    if (!loading) {
      loading = this.call({ op: 'load', url: moduleUrl });
      this.loaded.set(moduleUrl, loading);
      loading.catch(() => this.loaded.delete(moduleUrl));
    }
    await loading;
    const release = await this.lock();
    try {
      return await this.call<O>({ op: 'procedure', name, input });
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    if (this.broken) {
      await this.worker.terminate();
      return;
    }
    this.closing = true;
    const release = await this.lock();
    try {
      await this.call({ op: 'close' });
    } finally {
      release();
      await this.worker.terminate();
    }
  }
}
