import { sql } from 'kysely';
import type { Db, Dialect } from '../../db/database.js';
import type {
  ConversationParticipantsTable,
  ConversationsTable,
  ConversationStatus,
  MessagesTable,
  TopicsTable,
} from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';

type Q = Db | Tx;
export type ConversationRow = ConversationsTable;
export type ParticipantRow = ConversationParticipantsTable;
export type MessageRow = MessagesTable;
export type TopicRow = TopicsTable;

export function insertConversation(db: Q, row: ConversationRow): Promise<unknown> {
  return db.insertInto('conversations').values(row).execute();
}

export function findConversation(db: Q, id: string): Promise<ConversationRow | undefined> {
  return db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Conversation rows to append messages to, locked for the rest of the transaction on PostgreSQL (in id order, so
 * concurrent batches never deadlock). SQLite serialises write transactions, which gives the same guarantee.
 */
export async function lockConversations(
  db: Tx,
  dialect: Dialect,
  ids: string[],
): Promise<Map<string, ConversationRow>> {
  if (ids.length === 0) return new Map();
  let query = db
    .selectFrom('conversations')
    .selectAll()
    .where('id', 'in', [...ids].sort())
    .orderBy('id');
  if (dialect === 'postgres') query = query.forUpdate();
  const rows = await query.execute();
  return new Map(rows.map((r) => [r.id, r]));
}

export function updateConversation(db: Q, id: string, changes: Partial<ConversationRow>): Promise<unknown> {
  return db.updateTable('conversations').set(changes).where('id', '=', id).execute();
}

export function findOpenConversationOf(db: Q, openOwner: string): Promise<ConversationRow | undefined> {
  return db.selectFrom('conversations').selectAll().where('openOwner', '=', openOwner).executeTakeFirst();
}

/** A visitor's or customer's conversations, newest activity first. */
export function listOwnedConversations(
  db: Q,
  owner: { visitorId?: string | null; customerId?: string | null },
  limit: number,
): Promise<ConversationRow[]> {
  return db
    .selectFrom('conversations')
    .selectAll()
    .where((eb) =>
      eb.or([
        ...(owner.customerId ? [eb('customerId', '=', owner.customerId)] : []),
        ...(owner.visitorId ? [eb('visitorId', '=', owner.visitorId)] : []),
        eb.lit(false),
      ]),
    )
    .orderBy('lastMessageAt', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Moves a visitor's conversations to the customer account it signed in to. */
export async function attachVisitorConversations(
  db: Q,
  visitorId: string,
  customerId: string,
  moveOpenSlot: boolean,
): Promise<string[]> {
  const rows = await db
    .updateTable('conversations')
    .set({ customerId })
    .where('visitorId', '=', visitorId)
    .where('customerId', 'is', null)
    .returning(['id', 'openOwner'])
    .execute();
  // The open one is now the customer's: it counts against the customer's single open conversation.
  const open = rows.find((r) => r.openOwner !== null);
  if (open && moveOpenSlot)
    await db
      .updateTable('conversations')
      .set({ openOwner: `customer:${customerId}` })
      .where('id', '=', open.id)
      .execute();
  return rows.map((r) => r.id);
}

/**
 * An anonymous visitor's conversations become another visitor identity's (a widget visitor who was identified as a
 * host site's contact). The open one takes the contact's single open slot when `moveOpenSlot`.
 */
export async function handOverVisitorConversations(
  db: Q,
  fromVisitorId: string,
  toVisitorId: string,
  moveOpenSlot: boolean,
): Promise<string[]> {
  const rows = await db
    .updateTable('conversations')
    .set({ visitorId: toVisitorId })
    .where('visitorId', '=', fromVisitorId)
    .where('customerId', 'is', null)
    .returning(['id', 'openOwner'])
    .execute();
  const open = rows.find((r) => r.openOwner !== null);
  if (open && moveOpenSlot)
    await db
      .updateTable('conversations')
      .set({ openOwner: `visitor:${toVisitorId}` })
      .where('id', '=', open.id)
      .execute();
  return rows.map((r) => r.id);
}

export function listConversationIdsOfCustomer(db: Q, customerId: string): Promise<{ id: string }[]> {
  return db.selectFrom('conversations').select('id').where('customerId', '=', customerId).execute();
}

export function deleteConversationRow(db: Q, id: string): Promise<unknown> {
  return db.deleteFrom('conversations').where('id', '=', id).execute();
}

export function setStatus(
  db: Q,
  id: string,
  status: ConversationStatus,
  changes: Partial<ConversationRow> = {},
): Promise<unknown> {
  // A snooze lives only while the conversation is active: requeued, closed or left, it is over (src/modules/snooze/).
  const snooze = status === 'active' ? {} : SNOOZE_CLEARED;
  return db
    .updateTable('conversations')
    .set({ status, ...changes, ...snooze })
    .where('id', '=', id)
    .execute();
}

/** The snooze columns of a conversation that is not snoozed. */
export const SNOOZE_CLEARED = {
  snoozedAt: null,
  snoozedUntil: null,
  snoozedSeq: null,
  snoozedById: null,
  snoozedByName: null,
} as const;

// Participants (agents in a conversation)

export function listParticipants(db: Q, conversationIds: string[]): Promise<ParticipantRow[]> {
  if (conversationIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('conversationParticipants')
    .selectAll()
    .where('conversationId', 'in', conversationIds)
    .orderBy('joinedAt')
    .execute();
}

export function findParticipant(db: Q, conversationId: string, userId: string): Promise<ParticipantRow | undefined> {
  return db
    .selectFrom('conversationParticipants')
    .selectAll()
    .where('conversationId', '=', conversationId)
    .where('userId', '=', userId)
    .executeTakeFirst();
}

/** Adds a participant unless present; true when this call added it (idempotent join). */
export async function insertParticipantIfAbsent(db: Q, row: ParticipantRow): Promise<boolean> {
  const r = await db
    .insertInto('conversationParticipants')
    .values(row)
    .onConflict((oc) => oc.columns(['conversationId', 'userId']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function deleteParticipant(db: Q, conversationId: string, userId: string): Promise<boolean> {
  const r = await db
    .deleteFrom('conversationParticipants')
    .where('conversationId', '=', conversationId)
    .where('userId', '=', userId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export function countParticipants(db: Q, conversationId: string): Promise<number> {
  return db
    .selectFrom('conversationParticipants')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('conversationId', '=', conversationId)
    .executeTakeFirstOrThrow()
    .then((r) => Number(r.n));
}

/** Conversations (still open) that `userId` is in. */
export function openConversationsOfAgent(db: Q, userId: string): Promise<ConversationRow[]> {
  return db
    .selectFrom('conversations')
    .innerJoin('conversationParticipants', 'conversationParticipants.conversationId', 'conversations.id')
    .selectAll('conversations')
    .where('conversationParticipants.userId', '=', userId)
    .where('conversations.status', 'in', ['waiting', 'active'])
    .execute();
}

// Messages

export function insertMessages(db: Q, rows: MessageRow[]): Promise<unknown> {
  if (rows.length === 0) return Promise.resolve();
  return db.insertInto('messages').values(rows).execute();
}

/** Existing messages for (conversation, author, client id) triples: the dedupe lookup of the send path. */
export function findByClientIds(
  db: Q,
  keys: { conversationId: string; authorId: string; clientMsgId: string }[],
): Promise<MessageRow[]> {
  if (keys.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('messages')
    .selectAll()
    .where((eb) =>
      eb.or(
        keys.map((k) =>
          eb.and([
            eb('conversationId', '=', k.conversationId),
            eb('authorId', '=', k.authorId),
            eb('clientMsgId', '=', k.clientMsgId),
          ]),
        ),
      ),
    )
    .execute();
}

/** Messages after a sequence, in order: `public` counts only what visitors may see (notes excluded). */
export function listMessagesAfter(
  db: Q,
  conversationId: string,
  after: number,
  limit: number,
  view: 'public' | 'staff',
): Promise<MessageRow[]> {
  let query = db.selectFrom('messages').selectAll().where('conversationId', '=', conversationId);
  query =
    view === 'public'
      ? query.where('publicSeq', 'is not', null).where('publicSeq', '>', after).orderBy('publicSeq')
      : query.where('seq', '>', after).orderBy('seq');
  return query.limit(limit).execute();
}

/** The last message visitors may see, per conversation (history list previews, decrypted by the caller). */
export function lastPublicMessages(
  db: Q,
  conversations: { id: string; lastPublicSeq: number }[],
): Promise<MessageRow[]> {
  const wanted = conversations.filter((c) => c.lastPublicSeq > 0);
  if (wanted.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('messages')
    .selectAll()
    .where((eb) =>
      eb.or(wanted.map((c) => eb.and([eb('conversationId', '=', c.id), eb('publicSeq', '=', c.lastPublicSeq)]))),
    )
    .execute();
}

/** The first message visitors may see, per conversation: the question it started with (history rows). */
export function firstPublicMessages(db: Q, conversationIds: string[]): Promise<MessageRow[]> {
  if (conversationIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('messages')
    .selectAll()
    .where('conversationId', 'in', conversationIds)
    .where('publicSeq', '=', 1)
    .execute();
}

/**
 * The highest public sequence any agent of the conversation has read: the largest public_seq among messages at or
 * below the agents' furthest read position (so a note's number never shows through).
 */
export async function agentsReadPublicSeq(db: Q, conversationId: string): Promise<number> {
  const row = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.max<number>('publicSeq').as('s'))
    .where('conversationId', '=', conversationId)
    .where(
      'seq',
      '<=',
      db
        .selectFrom('conversationParticipants')
        .select((eb) => eb.fn.coalesce(eb.fn.max<number>('lastReadSeq'), sql<number>`0`).as('m'))
        .where('conversationId', '=', conversationId),
    )
    .executeTakeFirst();
  return Number(row?.s ?? 0);
}

/** A waiting conversation's 1-based place in the queue (longest waiting first). */
export async function queuePositionOf(db: Q, c: Pick<ConversationRow, 'id' | 'waitingSince'>): Promise<number> {
  const since = c.waitingSince ?? 0;
  const row = await db
    .selectFrom('conversations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'waiting')
    .where((eb) =>
      eb.or([eb('waitingSince', '<', since), eb.and([eb('waitingSince', '=', since), eb('id', '<', c.id)])]),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n) + 1;
}

// Topics

export function listTopics(db: Q, activeOnly: boolean): Promise<TopicRow[]> {
  let query = db.selectFrom('topics').selectAll().orderBy('position').orderBy('label');
  if (activeOnly) query = query.where('isActive', '=', 1);
  return query.execute();
}

export function findTopic(db: Q, id: string): Promise<TopicRow | undefined> {
  return db.selectFrom('topics').selectAll().where('id', '=', id).executeTakeFirst();
}
