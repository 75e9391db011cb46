import type { Db } from '../../db/database.js';
import type { Tx } from '../../db/transaction.js';
import type { ConversationRow, MessageRow } from '../conversations/conversation.repository.js';

type Q = Db | Tx;

/** Waiting conversations, longest waiting first. */
export function waitingConversations(db: Q, limit: number): Promise<ConversationRow[]> {
  return db
    .selectFrom('conversations')
    .selectAll()
    .where('status', '=', 'waiting')
    .orderBy('waitingSince')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** The ids of all waiting conversations in queue order (for each visitor's position). */
export async function waitingOrder(db: Q): Promise<string[]> {
  const rows = await db
    .selectFrom('conversations')
    .select('id')
    .where('status', '=', 'waiting')
    .orderBy('waitingSince')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function countByStatus(db: Q): Promise<{ waiting: number; active: number }> {
  const rows = await db
    .selectFrom('conversations')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .where('status', 'in', ['waiting', 'active'])
    .groupBy('status')
    .execute();
  const get = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
  return { waiting: get('waiting'), active: get('active') };
}

/** Open conversations `userId` has joined, with their read position. */
export function conversationsOfAgent(db: Q, userId: string): Promise<(ConversationRow & { lastReadSeq: number })[]> {
  return db
    .selectFrom('conversations')
    .innerJoin('conversationParticipants as p', 'p.conversationId', 'conversations.id')
    .selectAll('conversations')
    .select('p.lastReadSeq')
    .where('p.userId', '=', userId)
    .where('conversations.status', 'in', ['waiting', 'active'])
    .orderBy('conversations.lastMessageAt', 'desc')
    .execute();
}

export function conversationsByStatus(
  db: Q,
  statuses: ConversationRow['status'][],
  limit: number,
): Promise<ConversationRow[]> {
  return db
    .selectFrom('conversations')
    .selectAll()
    .where('status', 'in', statuses)
    .orderBy('lastMessageAt', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** The first message of each conversation (the queue shows its first words). */
export function firstMessages(db: Q, conversationIds: string[]): Promise<MessageRow[]> {
  if (conversationIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('messages')
    .selectAll()
    .where('conversationId', 'in', conversationIds)
    .where('seq', '=', 1)
    .execute();
}

/** Moves a participant's read position forward (never back). */
export async function advanceParticipantRead(
  db: Q,
  conversationId: string,
  userId: string,
  seq: number,
): Promise<boolean> {
  const r = await db
    .updateTable('conversationParticipants')
    .set({ lastReadSeq: seq })
    .where('conversationId', '=', conversationId)
    .where('userId', '=', userId)
    .where('lastReadSeq', '<', seq)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function advanceOwnerRead(db: Q, conversationId: string, publicSeq: number): Promise<boolean> {
  const r = await db
    .updateTable('conversations')
    .set({ ownerReadSeq: publicSeq })
    .where('id', '=', conversationId)
    .where('ownerReadSeq', '<', publicSeq)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Open conversations without a message for longer than the idle limit (auto-close candidates). */
export function idleConversations(db: Q, olderThan: number, limit: number): Promise<ConversationRow[]> {
  return (
    db
      .selectFrom('conversations')
      .selectAll()
      .where('status', 'in', ['waiting', 'active'])
      .where('lastMessageAt', '<', olderThan)
      // Snoozed until a time: its agent said when to come back (src/modules/snooze/); an open-ended snooze still idles.
      .where((eb) => eb.or([eb('snoozedAt', 'is', null), eb('snoozedUntil', 'is', null)]))
      .orderBy('lastMessageAt')
      .limit(limit)
      .execute()
  );
}
