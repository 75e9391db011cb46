import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/database.js';
import { withLock } from '../../db/lock.js';
import { inTransaction } from '../../db/transaction.js';
import type { EventBus } from '../../events/event-bus.js';
import type { ConversationService } from '../conversations/conversation.service.js';
import { localDateOf } from '../schedule/availability.js';
import type { SettingsService } from '../settings/settings.service.js';
import {
  countExpiredConversations,
  countMessagesOf,
  findJobRun,
  finishJobRun,
  listExpiredConversations,
  saveJobRun,
  stillExpired,
} from './retention.repository.js';

const DAY_MS = 24 * 3_600_000;
export const DEFAULT_BATCH_SIZE = 50;
const DAILY_JOB = 'retention.purge';
const DAILY_LOCK = 'retention.daily';
/** The lease outlives any sane purge; if a holder dies, another instance may take over after it expires. */
const DAILY_LOCK_TTL_MS = 30 * 60_000;
/** How often each instance asks "has today's purge run?" (cheap: one setting read, then one lease attempt). */
/** The daily purge is looked for hourly, the first time a minute after start (a jobs-runner task). */
export const DAILY_CHECK_MS = 60 * 60_000;
export const FIRST_CHECK_MS = 60_000;

export interface PurgedConversation {
  id: string;
  status: 'closed' | 'left';
  endedAt: number;
  messages: number;
}

export interface PurgeProgress {
  /** This batch (removed, or for a dry run, what would be). */
  batch: PurgedConversation[];
  /** Conversations handled so far, this batch included. */
  done: number;
  /** Conversations eligible when the run began. */
  total: number;
}

export interface PurgeResult {
  dryRun: boolean;
  days: number;
  cutoff: number;
  conversations: number;
  messages: number;
  batches: number;
}

export type DailyOutcome =
  { ran: true; date: string; result: PurgeResult } | { ran: false; reason: 'disabled' | 'already_ran' | 'locked' };

export interface RetentionDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  conversations: ConversationService;
  settings: SettingsService;
  timezone: string;
}

/**
 * Retention: purges closed and left conversations that ended more than N days ago — messages, data keys
 * (crypto-shredded) and everything `ConversationService.erase` removes. Work goes in batches (50 by default),
 * each its own short transaction that re-checks eligibility on the rows it deletes, with the event loop let go
 * between batches: no long transaction ever holds the database (SQLite has one writer).
 *
 * The same purge runs inside the server once a day when the `retention.days` setting is set (null, the default,
 * keeps history forever). Every instance checks hourly; the first check of a local date (support timezone) takes
 * the database lease `retention.daily`, compares the date recorded in `job_runs`, records today and purges.
 * Another instance taking the lease later that day finds today's date and does nothing: exactly one run per day,
 * across instances.
 */
export class RetentionService {
  private running: Promise<DailyOutcome> | undefined;

  constructor(private readonly deps: RetentionDeps) {}

  /** Conversations that ended before `now - days`. */
  cutoffFor(days: number, now = this.deps.clock.now()): number {
    return now - days * DAY_MS;
  }

  /**
   * Removes (or with `dryRun`, lists) every closed or left conversation that ended more than `days` days ago.
   * `onBatch` hears each batch as it is done.
   */
  async purge(options: {
    days: number;
    dryRun?: boolean;
    batchSize?: number;
    onBatch?: (progress: PurgeProgress) => void;
    signal?: AbortSignal;
  }): Promise<PurgeResult> {
    const { days } = options;
    if (!Number.isInteger(days) || days < 1) throw new RangeError('days must be a whole number ≥ 1');
    const dryRun = options.dryRun === true;
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const cutoff = this.cutoffFor(days);
    const { db } = this.deps;
    const total = await countExpiredConversations(db, cutoff);
    const result: PurgeResult = { dryRun, days, cutoff, conversations: 0, messages: 0, batches: 0 };
    let afterId = '';
    for (;;) {
      if (options.signal?.aborted) break;
      const page = await listExpiredConversations(db, cutoff, afterId, batchSize);
      if (page.length === 0) break;
      afterId = page[page.length - 1]!.id;
      const counts = await countMessagesOf(
        db,
        page.map((c) => c.id),
      );
      let batch = page.map((c) => ({ ...c, messages: counts.get(c.id) ?? 0 }));
      if (!dryRun) {
        const erased = await inTransaction(db, this.deps.bus, async (uow) => {
          const ids = await stillExpired(
            uow.trx,
            cutoff,
            page.map((c) => c.id),
          );
          for (const id of ids) await this.deps.conversations.erase(uow, id);
          return new Set(ids);
        });
        batch = batch.filter((c) => erased.has(c.id));
      }
      result.batches += 1;
      result.conversations += batch.length;
      result.messages += batch.reduce((n, c) => n + c.messages, 0);
      options.onBatch?.({ batch, done: result.conversations, total });
      // Let requests and the message writer in between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return result;
  }

  /**
   * The daily purge: at most once per local date across every instance sharing the database, and only when a
   * retention period is set. Concurrent calls on one instance share one run.
   */
  runDaily(): Promise<DailyOutcome> {
    this.running ??= this.daily().finally(() => (this.running = undefined));
    return this.running;
  }

  private async daily(): Promise<DailyOutcome> {
    const days = this.deps.settings.get('retention.days');
    if (days === null) return { ran: false, reason: 'disabled' };
    const { db, clock, logger } = this.deps;
    const today = localDateOf(clock.now(), this.deps.timezone);
    const outcome = await withLock(db, clock, DAILY_LOCK, DAILY_LOCK_TTL_MS, async (): Promise<DailyOutcome> => {
      const last = await findJobRun(db, DAILY_JOB);
      if (last && last.lastRunDate >= today) return { ran: false, reason: 'already_ran' };
      // Recorded first: if this run dies half-way, the rest waits for tomorrow (the purge is idempotent).
      await saveJobRun(db, {
        name: DAILY_JOB,
        lastRunDate: today,
        startedAt: clock.now(),
        finishedAt: null,
        summary: null,
      });
      const result = await this.purge({ days });
      await finishJobRun(
        db,
        DAILY_JOB,
        clock.now(),
        JSON.stringify({ days, conversations: result.conversations, messages: result.messages }),
      );
      logger.info(
        { days, conversations: result.conversations, messages: result.messages, date: today },
        'daily retention purge done',
      );
      return { ran: true, date: today, result };
    });
    return outcome.ran ? outcome.value : { ran: false, reason: 'locked' };
  }
}
