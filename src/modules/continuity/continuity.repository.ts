import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { ConversationMailTable } from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';

type Q = Db | Tx;

/** Queues agent replies for e-mail (a message already queued stays queued once). */
export async function queueOfflineReplies(
  db: Q,
  rows: { messageId: string; conversationId: string; queuedAt: number }[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('offlineReplyQueue')
    .values(rows)
    .onConflict((oc) => oc.column('messageId').doNothing())
    .execute();
}

export interface PendingReplyMail {
  conversationId: string;
  firstQueuedAt: number;
  lastReplyMailAt: number | null;
  retryAt: number | null;
}

/** Conversations with queued replies, oldest first, with their throttle state. */
export async function listPendingReplyMail(db: Q, limit: number): Promise<PendingReplyMail[]> {
  const rows = await db
    .selectFrom('offlineReplyQueue as q')
    .leftJoin('conversationMail as m', 'm.conversationId', 'q.conversationId')
    .select([
      'q.conversationId',
      (eb) => eb.fn.min<number>('q.queuedAt').as('firstQueuedAt'),
      (eb) => eb.fn.max<number | null>('m.lastReplyMailAt').as('lastReplyMailAt'),
      (eb) => eb.fn.max<number | null>('m.retryAt').as('retryAt'),
    ])
    .groupBy('q.conversationId')
    .orderBy('firstQueuedAt')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    conversationId: r.conversationId,
    firstQueuedAt: Number(r.firstQueuedAt),
    lastReplyMailAt: r.lastReplyMailAt === null ? null : Number(r.lastReplyMailAt),
    retryAt: r.retryAt === null ? null : Number(r.retryAt),
  }));
}

export function listQueuedReplies(db: Q, conversationId: string): Promise<{ messageId: string; queuedAt: number }[]> {
  return db
    .selectFrom('offlineReplyQueue')
    .select(['messageId', 'queuedAt'])
    .where('conversationId', '=', conversationId)
    .orderBy('queuedAt')
    .execute();
}

export async function deleteQueuedReplies(db: Q, messageIds: string[]): Promise<void> {
  if (messageIds.length === 0) return;
  await db.deleteFrom('offlineReplyQueue').where('messageId', 'in', messageIds).execute();
}

export function findConversationMail(db: Q, conversationId: string): Promise<ConversationMailTable | undefined> {
  return db.selectFrom('conversationMail').selectAll().where('conversationId', '=', conversationId).executeTakeFirst();
}

/** Creates the conversation's mail row if absent, then applies `changes`. */
export async function updateConversationMail(
  db: Q,
  conversationId: string,
  changes: Partial<Omit<ConversationMailTable, 'conversationId'>>,
): Promise<void> {
  await db
    .insertInto('conversationMail')
    .values({ conversationId, lastReplyMailAt: null, failedAttempts: 0, retryAt: null, transcriptsSent: 0 })
    .onConflict((oc) => oc.column('conversationId').doNothing())
    .execute();
  if (Object.keys(changes).length > 0) {
    await db.updateTable('conversationMail').set(changes).where('conversationId', '=', conversationId).execute();
  }
}

/** Counts one more transcript if fewer than `cap` were sent; false when the cap is reached (atomic). */
export async function claimTranscript(db: Q, conversationId: string, cap: number): Promise<boolean> {
  await updateConversationMail(db, conversationId, {});
  const result = await db
    .updateTable('conversationMail')
    .set({ transcriptsSent: sql<number>`transcripts_sent + 1` })
    .where('conversationId', '=', conversationId)
    .where('transcriptsSent', '<', cap)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function releaseTranscript(db: Q, conversationId: string): Promise<void> {
  await db
    .updateTable('conversationMail')
    .set({ transcriptsSent: sql<number>`transcripts_sent - 1` })
    .where('conversationId', '=', conversationId)
    .where('transcriptsSent', '>', 0)
    .execute();
}
