/**
 * The one home of work that happens after, or apart from, a request: the transactional outbox's side effects and
 * every periodic task. Services say what to do (outbox handlers, tasks); the runner says when, and makes sure one
 * instance does it.
 *
 * Outbox, exactly once across instances:
 * 1. A change writes its side effects as outbox rows in its own transaction (`uow.enqueue`, or the message writer's
 *    batch): they exist if and only if the change committed.
 * 2. Only the holder of the database lease `outbox` drains (src/db/lock.ts: a lease expires by itself if its holder
 *    dies), and a pass stops taking rows long before its lease could expire, so two instances never hold one row.
 * 3. A row is deleted only after its handler returned. A crash between a handler's effect and the delete repeats
 *    that one effect after the lease expires: effects inside the database are written idempotently (keyed), effects
 *    outside it (an e-mail) are at least once — never silently lost.
 * 4. A failing handler's row comes back after a backoff, until its attempts are used up; then `failed_at` is set
 *    and it stays for operators (logged as an error).
 * Every instance is woken by the bus event `outbox.enqueued` after such a commit, and polls as a safety net (a
 * delayed row, a missed wake-up while Redis was away).
 *
 * Periodic tasks: `every()` registers them; with `lease` (the default) a run happens under the database lease
 * `job:<name>`, so one instance at a time does it; tasks that take their own lease, or that are per instance
 * (a heartbeat), say `lease: false`.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../db/database.js';
import { withLock } from '../db/lock.js';
import { deleteOutbox, dueOutbox, retryOutboxLater, type OutboxRow } from '../db/outbox.js';
import type { EventBus } from '../events/event-bus.js';

export interface PeriodicTask {
  name: string;
  everyMs: number;
  /** First run this long after `start()` (default: `everyMs`). */
  firstRunMs?: number;
  /** Run under the database lease `job:<name>` (one instance at a time). Default true. */
  lease?: boolean;
  run(): Promise<void>;
}

export interface OutboxHandler {
  topic: string;
  /** Carries out one row's effect; throwing means "try again later". */
  handle(payload: unknown, row: Pick<OutboxRow, 'id' | 'attempts' | 'createdAt'>): Promise<void>;
  /** Attempts before giving up (default 8). */
  maxAttempts?: number;
  /** Wait before attempt n + 1 after n failures (default 5 s · 2^(n−1), at most an hour). */
  backoffMs?(failures: number): number;
}

const OUTBOX_LEASE = 'outbox';
const OUTBOX_LEASE_MS = 5 * 60_000;
/** A pass stops taking rows after this long (well inside the lease). */
const OUTBOX_PASS_MS = 30_000;
const OUTBOX_PAGE = 50;
const DEFAULT_MAX_ATTEMPTS = 8;
const defaultBackoff = (failures: number) => Math.min(3_600_000, 5_000 * 2 ** Math.max(0, failures - 1));

interface Scheduled {
  task: PeriodicTask;
  timer: NodeJS.Timeout | undefined;
  /** When the next run is due (ms, from the clock of `Date.now()`), for `runSoon`. */
  nextAt: number;
  running: Promise<boolean> | undefined;
}

export class JobsRunner {
  private readonly tasks = new Map<string, Scheduled>();
  private readonly handlers = new Map<string, OutboxHandler>();
  private started = false;
  private poll: NodeJS.Timeout | undefined;
  private draining: Promise<number> | undefined;
  private drainAgain = false;
  private wake: NodeJS.Timeout | undefined;
  private offEnqueued: (() => void) | undefined;

  constructor(
    private readonly deps: { db: Db; bus: EventBus; clock: Clock; logger: Logger },
    private readonly options: { outboxPollMs?: number } = {},
  ) {}

  /** Registers a periodic task (before or after `start()`). */
  every(task: PeriodicTask): void {
    if (this.tasks.has(task.name)) throw new Error(`task ${task.name} is already registered`);
    const scheduled: Scheduled = { task, timer: undefined, nextAt: Infinity, running: undefined };
    this.tasks.set(task.name, scheduled);
    if (this.started) this.schedule(scheduled, task.firstRunMs ?? task.everyMs);
  }

  /** Registers the handler of an outbox topic. */
  handle(handler: OutboxHandler): void {
    if (this.handlers.has(handler.topic)) throw new Error(`outbox topic ${handler.topic} already has a handler`);
    this.handlers.set(handler.topic, handler);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const s of this.tasks.values()) this.schedule(s, s.task.firstRunMs ?? s.task.everyMs);
    this.offEnqueued = this.deps.bus.on('outbox.enqueued', () => this.drainSoon());
    this.poll = setInterval(() => this.drainSoon(), this.options.outboxPollMs ?? 5_000);
    this.poll.unref();
    this.drainSoon();
  }

  /** Stops every timer and waits for running work (before the database closes). */
  async stop(): Promise<void> {
    this.started = false;
    this.offEnqueued?.();
    if (this.poll) clearInterval(this.poll);
    if (this.wake) clearTimeout(this.wake);
    for (const s of this.tasks.values()) if (s.timer) clearTimeout(s.timer);
    await Promise.allSettled([this.draining, ...[...this.tasks.values()].map((s) => s.running)]);
  }

  /** Runs a periodic task now; resolves with whether this instance ran it (false: another holds its lease). */
  runNow(name: string): Promise<boolean> {
    const s = this.tasks.get(name);
    if (!s) throw new Error(`no task ${name}`);
    return this.runTask(s);
  }

  /** Brings the next run of a task forward to `inMs` from now (never later than already planned). */
  runSoon(name: string, inMs: number): void {
    const s = this.tasks.get(name);
    if (!s || !this.started) return;
    if (Date.now() + inMs < s.nextAt) this.schedule(s, inMs);
  }

  private schedule(s: Scheduled, inMs: number): void {
    if (s.timer) clearTimeout(s.timer);
    const delay = Math.max(0, inMs);
    s.nextAt = Date.now() + delay;
    s.timer = setTimeout(() => {
      s.timer = undefined;
      void this.runTask(s).finally(() => {
        if (this.started && !s.timer) this.schedule(s, s.task.everyMs);
      });
    }, delay);
    s.timer.unref();
  }

  private runTask(s: Scheduled): Promise<boolean> {
    // One run of a task at a time on this instance; a call meanwhile shares it.
    s.running ??= (async () => {
      try {
        if (s.task.lease === false) {
          await s.task.run();
          return true;
        }
        const { db, clock } = this.deps;
        const leaseMs = Math.max(s.task.everyMs, 60_000);
        return (await withLock(db, clock, `job:${s.task.name}`, leaseMs, () => s.task.run())).ran;
      } catch (err) {
        this.deps.logger.error({ err, job: s.task.name }, 'periodic task failed');
        return false;
      } finally {
        s.running = undefined;
      }
    })();
    return s.running;
  }

  private drainSoon(): void {
    if (!this.started || this.wake) return;
    // Coalesces a burst of wake-ups into one pass.
    this.wake = setTimeout(() => {
      this.wake = undefined;
      void this.drainOutbox();
    }, 10);
    this.wake.unref();
  }

  /**
   * Carries out due outbox rows under the outbox lease (see the file comment); resolves with how many rows were
   * settled (done or given up). A call during a pass asks for another pass after it.
   */
  drainOutbox(options: { topics?: readonly string[] } = {}): Promise<number> {
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    this.draining = (async () => {
      let settled = 0;
      do {
        this.drainAgain = false;
        try {
          const pass = await withLock(this.deps.db, this.deps.clock, OUTBOX_LEASE, OUTBOX_LEASE_MS, () =>
            this.outboxPass(options.topics),
          );
          if (pass.ran) settled += pass.value;
        } catch (err) {
          this.deps.logger.warn({ err: { message: (err as Error).message } }, 'outbox pass failed; will retry');
        }
      } while (this.drainAgain && this.started);
      return settled;
    })().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async outboxPass(topics?: readonly string[]): Promise<number> {
    const { db, clock, logger } = this.deps;
    const until = Date.now() + OUTBOX_PASS_MS;
    let settled = 0;
    const tried = new Set<string>();
    while (Date.now() < until) {
      // Only topics this instance can handle: during a rolling upgrade, an older instance leaves a newer topic's
      // rows to the instances that know it instead of using up their attempts.
      const known = (topics ?? [...this.handlers.keys()]).filter((topic) => this.handlers.has(topic));
      const rows = (await dueOutbox(db, clock.now(), OUTBOX_PAGE, known)).filter((r) => !tried.has(r.id));
      if (rows.length === 0) return settled;
      for (const row of rows) {
        tried.add(row.id);
        const handler = this.handlers.get(row.topic);
        try {
          await handler!.handle(JSON.parse(row.payload) as unknown, row);
          await deleteOutbox(db, row.id);
          settled += 1;
        } catch (err) {
          const failures = row.attempts + 1;
          const max = handler?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
          const gaveUp = failures >= max;
          const message = (err as Error).message?.slice(0, 500) ?? String(err);
          await retryOutboxLater(db, row.id, {
            attempts: failures,
            availableAt: clock.now() + (handler?.backoffMs ?? defaultBackoff)(failures),
            lastError: message,
            failedAt: gaveUp ? clock.now() : null,
          });
          if (gaveUp) {
            settled += 1;
            logger.error({ topic: row.topic, id: row.id, attempts: failures, error: message }, 'outbox row gave up');
          } else {
            logger.warn({ topic: row.topic, id: row.id, attempts: failures, error: message }, 'outbox row failed');
          }
        }
      }
    }
    return settled;
  }
}
