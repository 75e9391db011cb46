/**
 * Load-generator worker processes (not threads: each has its own event loop, heap and open-file limit, and the
 * OS schedules them on both cores beside the server). The runner calls typed tasks in them over IPC
 * (`bench/lib/tasks.ts`); a worker keeps its sockets between calls, so a scenario drives phases (open, run,
 * measure, close) across all workers in step. Workers exit when the runner goes away.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/core/paths.js';
import { rssBytes, ulimitPrefix } from './machine.js';
import type { TaskName, TaskParams, TaskResult } from './tasks.js';

export const WORKER_SCRIPT = join(projectRoot(), 'bench', 'lib', 'worker.ts');

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export interface WorkerPool {
  readonly size: number;
  readonly pids: number[];
  call<K extends TaskName>(index: number, task: K, params: TaskParams<K>, timeoutMs: number): Promise<TaskResult<K>>;
  /** Calls `task` in every worker at once, with per-worker parameters; rejects if any one fails. */
  all<K extends TaskName>(
    task: K,
    params: (index: number) => TaskParams<K>,
    timeoutMs: number,
  ): Promise<TaskResult<K>[]>;
  rss(): number[];
  close(): Promise<void>;
}

interface Worker {
  child: ChildProcess;
  pending: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>;
  exited: Promise<void>;
}

/** Starts `count` workers, each allowed `fileLimit` open files (as far as the hard limit allows). */
export async function startWorkers(count: number, fileLimit = 65_536): Promise<WorkerPool> {
  let nextId = 1;
  const workers: Worker[] = [];
  const killAll = () => {
    for (const w of workers) w.child.kill('SIGKILL');
  };
  process.once('exit', killAll);

  const startOne = (index: number) =>
    new Promise<Worker>((resolve, reject) => {
      const child = spawn(
        'sh',
        ['-c', `${ulimitPrefix(fileLimit)}exec '${process.execPath}' --import tsx '${WORKER_SCRIPT}' ${index}`],
        { cwd: projectRoot(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: process.env },
      );
      const worker: Worker = {
        child,
        pending: new Map(),
        exited: new Promise((r) => child.once('exit', () => r())),
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`worker ${index} did not start within 30 s`));
      }, 30_000);
      child.on('message', (message: Reply | { ready: true }) => {
        if ('ready' in message) {
          clearTimeout(timer);
          resolve(worker);
          return;
        }
        const p = worker.pending.get(message.id);
        if (!p) return;
        worker.pending.delete(message.id);
        clearTimeout(p.timer);
        if (message.ok) p.resolve(message.result);
        else p.reject(new Error(`worker ${index}: ${message.error}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const err = new Error(`worker ${index} exited (${code ?? signal})`);
        for (const p of worker.pending.values()) {
          clearTimeout(p.timer);
          p.reject(err);
        }
        worker.pending.clear();
        reject(err);
      });
    });

  try {
    workers.push(...(await Promise.all(Array.from({ length: count }, (_, i) => startOne(i)))));
  } catch (err) {
    killAll();
    throw err;
  }

  const call = <K extends TaskName>(index: number, task: K, params: TaskParams<K>, timeoutMs: number) => {
    const worker = workers[index];
    if (!worker) return Promise.reject(new Error(`no worker ${index}`));
    const id = nextId++;
    return new Promise<TaskResult<K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.pending.delete(id);
        reject(new Error(`worker ${index}: ${task} took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      worker.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      worker.child.send({ id, task, params });
    });
  };

  return {
    size: count,
    pids: workers.map((w) => w.child.pid!),
    call,
    all: (task, params, timeoutMs) => Promise.all(workers.map((_, i) => call(i, task, params(i), timeoutMs))),
    rss: () => workers.map((w) => rssBytes(w.child.pid!)),
    async close() {
      process.removeListener('exit', killAll);
      for (const w of workers) {
        if (w.child.connected) w.child.disconnect();
      }
      const timer = setTimeout(killAll, 5_000);
      await Promise.all(workers.map((w) => w.exited));
      clearTimeout(timer);
    },
  };
}

/** Splits `total` into `parts` near-equal shares (the first ones get the remainder). */
export function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}
