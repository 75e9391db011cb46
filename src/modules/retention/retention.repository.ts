import type { Db } from '../../db/database.js';
import type { JobRunsTable } from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';

type Q = Db | Tx;

export interface ExpiredConversationRow {
  id: string;
  status: 'closed' | 'left';
  /** When it ended: `closed_at` for closed ones, the last change for left ones. */
  endedAt: number;
}

/** Closed conversations closed before `cutoff`, and left ones untouched since before it. */
function expired(db: Q, cutoff: number) {
  return db
    .selectFrom('conversations')
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'closed'), eb('closedAt', '<', cutoff)]),
        eb.and([eb('status', '=', 'left'), eb('updatedAt', '<', cutoff)]),
      ]),
    );
}

export async function countExpiredConversations(db: Q, cutoff: number): Promise<number> {
  const row = await expired(db, cutoff)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The next `limit` expired conversations after id `afterId` (keyset pages: a dry run deletes nothing). */
export async function listExpiredConversations(
  db: Q,
  cutoff: number,
  afterId: string,
  limit: number,
): Promise<ExpiredConversationRow[]> {
  const rows = await expired(db, cutoff)
    .select(['id', 'status', 'closedAt', 'updatedAt'])
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    status: r.status as 'closed' | 'left',
    endedAt: r.status === 'closed' ? (r.closedAt ?? r.updatedAt) : r.updatedAt,
  }));
}

/** Of `ids`, the ones still expired (re-checked inside the deleting transaction). */
export async function stillExpired(db: Q, cutoff: number, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await expired(db, cutoff).select('id').where('id', 'in', ids).execute();
  return rows.map((r) => r.id);
}

export async function countMessagesOf(db: Q, ids: string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('messages')
    .select(['conversationId', (eb) => eb.fn.countAll<number>().as('n')])
    .where('conversationId', 'in', ids)
    .groupBy('conversationId')
    .execute();
  return new Map(rows.map((r) => [r.conversationId, Number(r.n)]));
}

export function findJobRun(db: Q, name: string): Promise<JobRunsTable | undefined> {
  return db.selectFrom('jobRuns').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function saveJobRun(db: Q, row: JobRunsTable): Promise<void> {
  await db
    .insertInto('jobRuns')
    .values(row)
    .onConflict((oc) =>
      oc.column('name').doUpdateSet({
        lastRunDate: row.lastRunDate,
        startedAt: row.startedAt,
        finishedAt: row.finishedAt,
        summary: row.summary,
      }),
    )
    .execute();
}

export async function finishJobRun(db: Q, name: string, finishedAt: number, summary: string): Promise<void> {
  await db.updateTable('jobRuns').set({ finishedAt, summary }).where('name', '=', name).execute();
}
