/**
 * Queries of the privacy module: everything held about one contact (a customer account, or an anonymous visitor),
 * for the export and the erasure. Lists are paged (keyset on id), so neither ever loads a whole history at once.
 */
import type { Db } from '../../db/database.js';
import type {
  AttachmentsTable,
  AuditLogTable,
  ConversationsTable,
  SessionsTable,
  VisitorsTable,
} from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';

type Q = Db | Tx;

/** Who the data is about. A visitor linked to a customer account is part of that customer. */
export interface ContactRef {
  kind: 'customer' | 'visitor';
  id: string;
}

export function findVisitor(db: Q, id: string): Promise<VisitorsTable | undefined> {
  return db.selectFrom('visitors').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The anonymous visitors a customer was before signing in (their sessions and messages are the customer's). */
export async function visitorIdsOfCustomer(db: Q, customerId: string): Promise<string[]> {
  const rows = await db.selectFrom('visitors').select('id').where('customerId', '=', customerId).execute();
  return rows.map((r) => r.id);
}

function conversationsOf(db: Q, contact: ContactRef) {
  const q = db.selectFrom('conversations');
  return contact.kind === 'customer'
    ? q.where('customerId', '=', contact.id)
    : q.where('visitorId', '=', contact.id).where('customerId', 'is', null);
}

/** A page of the contact's conversations, in id order after `afterId`. */
export function contactConversations(
  db: Q,
  contact: ContactRef,
  afterId: string | null,
  limit: number,
): Promise<ConversationsTable[]> {
  return conversationsOf(db, contact)
    .selectAll()
    .$if(afterId !== null, (qb) => qb.where('id', '>', afterId!))
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** A page of the contact's conversations for a screen, newest first. */
export function contactConversationsByActivity(
  db: Q,
  contact: ContactRef,
  limit: number,
  offset: number,
): Promise<ConversationsTable[]> {
  return conversationsOf(db, contact)
    .selectAll()
    .orderBy('lastMessageAt', 'desc')
    .orderBy('id')
    .limit(limit)
    .offset(offset)
    .execute();
}

export async function countContactConversations(db: Q, contact: ContactRef): Promise<number> {
  const row = await conversationsOf(db, contact)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** How many stored files the contact's conversations hold. */
export async function countContactFiles(db: Q, contact: ContactRef): Promise<number> {
  const row = await db
    .selectFrom('attachments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('conversationId', 'in', conversationsOf(db, contact).select('id'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The files of a conversation its owner may see: those of visible messages (never a private note's), and the
 * owner's own uploads not sent yet. In id order after `afterId`.
 */
export function ownerVisibleFiles(
  db: Q,
  conversationId: string,
  ownerIds: string[],
  afterId: string | null,
  limit: number,
): Promise<AttachmentsTable[]> {
  return db
    .selectFrom('attachments')
    .selectAll()
    .where('conversationId', '=', conversationId)
    .where((eb) =>
      eb.or([
        eb(
          'messageId',
          'in',
          eb
            .selectFrom('messages')
            .select('id')
            .where('conversationId', '=', conversationId)
            .where('publicSeq', 'is not', null),
        ),
        eb.and([eb('messageId', 'is', null), eb('uploaderId', 'in', ownerIds.length > 0 ? ownerIds : [''])]),
      ]),
    )
    .$if(afterId !== null, (qb) => qb.where('id', '>', afterId!))
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Live and expired sessions of the contact (its account's, and those of the visitors it was). */
export function contactSessions(db: Q, userId: string | null, visitorIds: string[]): Promise<SessionsTable[]> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where((eb) =>
      eb.or([
        ...(userId ? [eb('userId', '=', userId)] : []),
        ...(visitorIds.length > 0 ? [eb('visitorId', 'in', visitorIds)] : []),
        eb.lit(false),
      ]),
    )
    .orderBy('createdAt')
    .limit(1000)
    .execute();
}

/** Deletes every session of these visitors and answers their ids (so their sockets can be told). */
export async function deleteVisitorSessions(db: Tx, visitorIds: string[]): Promise<string[]> {
  if (visitorIds.length === 0) return [];
  const rows = await db.deleteFrom('sessions').where('visitorId', 'in', visitorIds).returning('id').execute();
  return rows.map((r) => r.id);
}

/** A page of audit entries that name any of `ids` as actor or target, oldest first. */
export function auditEntriesNaming(db: Q, ids: string[], afterAt: number, limit: number): Promise<AuditLogTable[]> {
  return db
    .selectFrom('auditLog')
    .selectAll()
    .where((eb) => eb.or([eb('actorId', 'in', ids), eb('targetId', 'in', ids)]))
    .where('at', '>=', afterAt)
    .orderBy('at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/**
 * Removes what audit entries say about the contact (name, address, details) and keeps that the action happened:
 * the log stays whole as a record of staff actions, without the erased person in it.
 */
export async function scrubAuditEntries(db: Tx, ids: string[]): Promise<number> {
  const targets = await db
    .updateTable('auditLog')
    .set({ targetName: null, details: '{}' })
    .where('targetId', 'in', ids)
    .executeTakeFirst();
  const actors = await db
    .updateTable('auditLog')
    .set({ actorName: 'erased contact', ip: null, details: '{}' })
    .where('actorId', 'in', ids)
    .executeTakeFirst();
  return Number(targets.numUpdatedRows) + Number(actors.numUpdatedRows);
}

/** One-time tokens about these conversations (resume links from e-mails). */
export function deleteTokensAbout(db: Tx, subjectIds: string[]): Promise<unknown> {
  if (subjectIds.length === 0) return Promise.resolve();
  return db.deleteFrom('oneTimeTokens').where('subjectId', 'in', subjectIds).execute();
}

export function deleteVisitors(db: Tx, ids: string[]): Promise<unknown> {
  if (ids.length === 0) return Promise.resolve();
  return db.deleteFrom('visitors').where('id', 'in', ids).execute();
}
