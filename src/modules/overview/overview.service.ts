import { DateTime } from 'luxon';
import type { Clock } from '../../core/clock.js';
import type { Db } from '../../db/database.js';

export interface OverviewWindow {
  conversations: number;
  messages: number;
  /** Median minutes from a conversation's start to the first agent reply (null when none in the window). */
  medianFirstResponseMinutes: number | null;
  /** Median minutes from start to close, for conversations closed in the window. */
  medianResolutionMinutes: number | null;
}

export interface Overview {
  waiting: number;
  active: number;
  agentsOnline: number;
  today: OverviewWindow;
  last7Days: OverviewWindow;
  timezone: string;
  generatedAt: string;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return Math.round((value / 60_000) * 10) / 10;
}

/**
 * The admin's activity overview. "Today" starts at local midnight in the support timezone (never the server's
 * zone: the original mixed UTC and local dates).
 */
export class OverviewService {
  constructor(
    private readonly deps: { db: Db; clock: Clock; timezone: string; agentsOnline: () => Promise<number> | number },
  ) {}

  async overview(): Promise<Overview> {
    const now = DateTime.fromMillis(this.deps.clock.now(), { zone: this.deps.timezone });
    const todayStart = now.startOf('day').toMillis();
    const weekStart = now.startOf('day').minus({ days: 6 }).toMillis();
    const counts = await this.deps.db
      .selectFrom('conversations')
      .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
      .where('status', 'in', ['waiting', 'active'])
      .groupBy('status')
      .execute();
    const [today, last7Days, agentsOnline] = await Promise.all([
      this.window(todayStart),
      this.window(weekStart),
      this.deps.agentsOnline(),
    ]);
    return {
      waiting: Number(counts.find((c) => c.status === 'waiting')?.n ?? 0),
      active: Number(counts.find((c) => c.status === 'active')?.n ?? 0),
      agentsOnline,
      today,
      last7Days,
      timezone: this.deps.timezone,
      generatedAt: new Date(this.deps.clock.now()).toISOString(),
    };
  }

  private async window(since: number): Promise<OverviewWindow> {
    const db = this.deps.db;
    const [started, messages, responded, resolved] = await Promise.all([
      db
        .selectFrom('conversations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('createdAt', '>=', since)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('createdAt', '>=', since)
        .where('kind', '!=', 'system')
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('conversations')
        .select(['createdAt', 'firstResponseAt'])
        .where('createdAt', '>=', since)
        .where('firstResponseAt', 'is not', null)
        .execute(),
      db.selectFrom('conversations').select(['createdAt', 'closedAt']).where('closedAt', '>=', since).execute(),
    ]);
    return {
      conversations: Number(started.n),
      messages: Number(messages.n),
      medianFirstResponseMinutes: median(responded.map((r) => r.firstResponseAt! - r.createdAt)),
      medianResolutionMinutes: median(resolved.map((r) => r.closedAt! - r.createdAt)),
    };
  }
}
