import type { Db } from '../../db/database.js';
import type { AttachmentsTable } from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';

type Q = Db | Tx;
export type AttachmentRow = AttachmentsTable;

export function insertAttachments(db: Q, rows: AttachmentRow[]): Promise<unknown> {
  if (rows.length === 0) return Promise.resolve();
  return db.insertInto('attachments').values(rows).execute();
}

/** One attachment of one conversation with the public sequence of its message (null: a note, or not sent yet). */
export async function findAttachmentWithMessage(
  db: Q,
  conversationId: string,
  id: string,
): Promise<{ row: AttachmentRow; messagePublicSeq: number | null } | undefined> {
  const found = await db
    .selectFrom('attachments')
    .leftJoin('messages', 'messages.id', 'attachments.messageId')
    .selectAll('attachments')
    .select('messages.publicSeq as messagePublicSeq')
    .where('attachments.id', '=', id)
    .where('attachments.conversationId', '=', conversationId)
    .executeTakeFirst();
  if (!found) return undefined;
  const { messagePublicSeq, ...row } = found;
  return { row, messagePublicSeq: messagePublicSeq ?? null };
}

/** Attachments of `ids` in one conversation uploaded by `uploaderId` (referenced or not). */
export function findUploadedBy(
  db: Q,
  conversationId: string,
  uploaderId: string,
  ids: string[],
): Promise<AttachmentRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('attachments')
    .selectAll()
    .where('conversationId', '=', conversationId)
    .where('uploaderId', '=', uploaderId)
    .where('id', 'in', ids)
    .execute();
}

/**
 * Binds uploaded files to a message: only rows of this conversation and uploader that no message has claimed
 * (`message_id IS NULL`), so two messages can never claim one file. Returns how many rows it bound.
 */
export async function claimAttachments(
  db: Tx,
  claim: { messageId: string; conversationId: string; uploaderId: string; ids: string[] },
): Promise<number> {
  if (claim.ids.length === 0) return 0;
  const result = await db
    .updateTable('attachments')
    .set({ messageId: claim.messageId })
    .where('conversationId', '=', claim.conversationId)
    .where('uploaderId', '=', claim.uploaderId)
    .where('messageId', 'is', null)
    .where('id', 'in', claim.ids)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The attachments of these messages, in upload order within each message. */
export function listAttachmentsOfMessages(db: Q, messageIds: string[]): Promise<AttachmentRow[]> {
  if (messageIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('attachments')
    .selectAll()
    .where('messageId', 'in', messageIds)
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
}

/** Uploads of one person in one conversation that no message references yet. */
export function countUnreferenced(db: Q, conversationId: string, uploaderId: string): Promise<number> {
  return db
    .selectFrom('attachments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('conversationId', '=', conversationId)
    .where('uploaderId', '=', uploaderId)
    .where('messageId', 'is', null)
    .executeTakeFirstOrThrow()
    .then((r) => Number(r.n));
}

/** Removes one unreferenced upload of its uploader; the storage key of the removed row, if any. */
export async function deleteUnreferencedUpload(
  db: Q,
  conversationId: string,
  uploaderId: string,
  id: string,
): Promise<string | undefined> {
  const row = await db
    .deleteFrom('attachments')
    .where('id', '=', id)
    .where('conversationId', '=', conversationId)
    .where('uploaderId', '=', uploaderId)
    .where('messageId', 'is', null)
    .returning('storageKey')
    .executeTakeFirst();
  return row?.storageKey;
}

/** Storage keys of every attachment of a conversation (to delete the files once the rows are gone). */
export async function listStorageKeysOfConversation(db: Q, conversationId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('attachments')
    .select('storageKey')
    .where('conversationId', '=', conversationId)
    .execute();
  return rows.map((r) => r.storageKey);
}

/**
 * Deletes up to `limit` uploads that no message referenced and that are older than `cutoff`, returning the storage
 * keys of the rows it actually deleted (a message claiming one meanwhile keeps it: the delete re-checks).
 */
export async function deleteUnreferencedBefore(db: Db, cutoff: number, limit: number): Promise<string[]> {
  const candidates = await db
    .selectFrom('attachments')
    .select('id')
    .where('messageId', 'is', null)
    .where('createdAt', '<', cutoff)
    .orderBy('createdAt')
    .limit(limit)
    .execute();
  if (candidates.length === 0) return [];
  const rows = await db
    .deleteFrom('attachments')
    .where(
      'id',
      'in',
      candidates.map((c) => c.id),
    )
    .where('messageId', 'is', null)
    .returning('storageKey')
    .execute();
  return rows.map((r) => r.storageKey);
}

/** Which of these storage keys still have a row. */
export async function findExistingStorageKeys(db: Q, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db.selectFrom('attachments').select('storageKey').where('storageKey', 'in', keys).execute();
  return new Set(rows.map((r) => r.storageKey));
}
