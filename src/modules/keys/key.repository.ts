import type { Db } from '../../db/database.js';
import type { ConversationKeysTable } from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';

export type ConversationKeyRow = ConversationKeysTable;

/** Inserts a conversation's wrapped data key; false when the conversation already has one. */
export async function insertConversationKey(db: Db | Tx, row: ConversationKeyRow): Promise<boolean> {
  const result = await db
    .insertInto('conversationKeys')
    .values(row)
    .onConflict((oc) => oc.column('conversationId').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export function findConversationKey(db: Db | Tx, conversationId: string): Promise<ConversationKeyRow | undefined> {
  return db.selectFrom('conversationKeys').selectAll().where('conversationId', '=', conversationId).executeTakeFirst();
}

/** Deletes a conversation's data key; true when there was one. */
export async function deleteConversationKey(db: Db | Tx, conversationId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('conversationKeys')
    .where('conversationId', '=', conversationId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * The distinct master key ids holding data keys, found by seeking the (master_key_id, …) index once per id
 * (a loose index scan both dialects plan as an index lookup), so it stays fast on a large table.
 */
export async function findMasterKeyIdsInUse(db: Db | Tx): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const last = ids.at(-1);
    let query = db.selectFrom('conversationKeys').select((eb) => eb.fn.min('masterKeyId').as('id'));
    if (last !== undefined) query = query.where('masterKeyId', '>', last);
    const row = await query.executeTakeFirst();
    if (row?.id === undefined || row.id === null) return ids;
    ids.push(row.id);
  }
}

/** A few rows wrapped under `masterKeyId`, to prove at start that the configured key really is that key. */
export function findSampleKeys(db: Db | Tx, masterKeyId: string, limit: number): Promise<ConversationKeyRow[]> {
  return db
    .selectFrom('conversationKeys')
    .selectAll()
    .where('masterKeyId', '=', masterKeyId)
    .orderBy('conversationId')
    .limit(limit)
    .execute();
}

export async function countKeysUnder(db: Db | Tx, masterKeyIds: readonly string[]): Promise<number> {
  if (masterKeyIds.length === 0) return 0;
  const row = await db
    .selectFrom('conversationKeys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('masterKeyId', 'in', masterKeyIds)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The next batch of keys wrapped under `masterKeyId`, in conversation order after `afterConversationId`. */
export function findKeyBatch(
  db: Db | Tx,
  masterKeyId: string,
  afterConversationId: string | undefined,
  limit: number,
): Promise<ConversationKeyRow[]> {
  let query = db.selectFrom('conversationKeys').selectAll().where('masterKeyId', '=', masterKeyId);
  if (afterConversationId !== undefined) query = query.where('conversationId', '>', afterConversationId);
  return query.orderBy('conversationId').limit(limit).execute();
}

/**
 * Replaces a wrapped key only if it is still wrapped under `fromMasterKeyId` (optimistic guard): a concurrent
 * rotation or a shred in between leaves the row alone. True when this call changed the row.
 */
export async function rewrapConversationKey(
  db: Db | Tx,
  change: { conversationId: string; fromMasterKeyId: string; toMasterKeyId: string; wrappedKey: Buffer; at: number },
): Promise<boolean> {
  const result = await db
    .updateTable('conversationKeys')
    .set({ masterKeyId: change.toMasterKeyId, wrappedKey: change.wrappedKey, rotatedAt: change.at })
    .where('conversationId', '=', change.conversationId)
    .where('masterKeyId', '=', change.fromMasterKeyId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
