import type { Db } from '../../db/database.js';
import type { ContactNotesTable, ConversationOriginsTable } from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';
import type { ConversationRow } from '../conversations/conversation.repository.js';

type Q = Db | Tx;
export type ContactNoteRow = ContactNotesTable;
export type OriginRow = ConversationOriginsTable;

export interface ContactRef {
  kind: 'visitor' | 'customer';
  id: string;
}

export function insertOrigin(db: Q, row: OriginRow): Promise<unknown> {
  return db.insertInto('conversationOrigins').values(row).execute();
}

export function findOrigin(db: Q, conversationId: string): Promise<OriginRow | undefined> {
  return db
    .selectFrom('conversationOrigins')
    .selectAll()
    .where('conversationId', '=', conversationId)
    .executeTakeFirst();
}

export function findCustomer(db: Q, id: string) {
  return db
    .selectFrom('users')
    .select(['id', 'displayName', 'email', 'emailVerifiedAt', 'createdAt'])
    .where('id', '=', id)
    .where('role', '=', 'customer')
    .executeTakeFirst();
}

export function findVisitor(db: Q, id: string) {
  return db.selectFrom('visitors').select(['id', 'createdAt', 'customerId']).where('id', '=', id).executeTakeFirst();
}

/** The contact's conversations: a customer's, or a visitor's that no account took over. */
function ownedBy(db: Q, ref: ContactRef) {
  const query = db.selectFrom('conversations');
  return ref.kind === 'customer'
    ? query.where('customerId', '=', ref.id)
    : query.where('visitorId', '=', ref.id).where('customerId', 'is', null);
}

export async function contactStats(db: Q, ref: ContactRef): Promise<{ count: number; first: number | null }> {
  const row = await ownedBy(db, ref)
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min<number>('createdAt').as('first')])
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), first: row.first === null ? null : Number(row.first) };
}

/** The latest conversation's e-mail address (a visitor may have given one on the start form). */
export async function latestEmail(db: Q, ref: ContactRef): Promise<string | null> {
  const row = await ownedBy(db, ref)
    .select('email')
    .where('email', 'is not', null)
    .orderBy('createdAt', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.email ?? null;
}

/** A page of the contact's conversations, newest first, after the keyset cursor (createdAt, id). */
export function contactConversations(
  db: Q,
  ref: ContactRef,
  limit: number,
  before?: { createdAt: number; id: string },
): Promise<ConversationRow[]> {
  let query = ownedBy(db, ref).selectAll();
  if (before) {
    query = query.where((eb) =>
      eb.or([
        eb('createdAt', '<', before.createdAt),
        eb.and([eb('createdAt', '=', before.createdAt), eb('id', '<', before.id)]),
      ]),
    );
  }
  return query.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

// Notes

export function insertNote(db: Q, row: ContactNoteRow): Promise<unknown> {
  return db.insertInto('contactNotes').values(row).execute();
}

export function findNote(db: Q, contactKey: string, id: string): Promise<ContactNoteRow | undefined> {
  return db
    .selectFrom('contactNotes')
    .selectAll()
    .where('contactKey', '=', contactKey)
    .where('id', '=', id)
    .executeTakeFirst();
}

export function listNotes(db: Q, contactKey: string, limit: number, offset: number): Promise<ContactNoteRow[]> {
  return db
    .selectFrom('contactNotes')
    .selectAll()
    .where('contactKey', '=', contactKey)
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
}

export async function countNotes(db: Q, contactKey: string): Promise<number> {
  const row = await db
    .selectFrom('contactNotes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('contactKey', '=', contactKey)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function updateNote(db: Q, id: string, changes: { body: Buffer; updatedAt: number }): Promise<unknown> {
  return db.updateTable('contactNotes').set(changes).where('id', '=', id).execute();
}

export function deleteNote(db: Q, id: string): Promise<unknown> {
  return db.deleteFrom('contactNotes').where('id', '=', id).execute();
}

export function deleteNotesOf(db: Q, contactKey: string): Promise<unknown> {
  return db.deleteFrom('contactNotes').where('contactKey', '=', contactKey).execute();
}

export async function hasDataKey(db: Q, keyId: string): Promise<boolean> {
  const row = await db
    .selectFrom('conversationKeys')
    .select('conversationId')
    .where('conversationId', '=', keyId)
    .executeTakeFirst();
  return row !== undefined;
}
