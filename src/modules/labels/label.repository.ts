import type { Db } from '../../db/database.js';
import type { LabelsTable } from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';

type Q = Db | Tx;
export type LabelRow = LabelsTable;

/** At most this many labels exist (an admin list, shown whole in pickers). */
export const MAX_LABELS = 200;

export function listLabels(db: Q): Promise<LabelRow[]> {
  return db.selectFrom('labels').selectAll().orderBy('nameKey').limit(MAX_LABELS).execute();
}

export function countLabels(db: Q): Promise<number> {
  return db
    .selectFrom('labels')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
    .then((r) => Number(r.n));
}

export function findLabel(db: Q, id: string): Promise<LabelRow | undefined> {
  return db.selectFrom('labels').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findLabelByKey(db: Q, nameKey: string): Promise<LabelRow | undefined> {
  return db.selectFrom('labels').selectAll().where('nameKey', '=', nameKey).executeTakeFirst();
}

export function insertLabel(db: Q, row: LabelRow): Promise<unknown> {
  return db.insertInto('labels').values(row).execute();
}

export function updateLabel(db: Q, id: string, changes: Partial<LabelRow>): Promise<unknown> {
  return db.updateTable('labels').set(changes).where('id', '=', id).execute();
}

export function deleteLabel(db: Q, id: string): Promise<unknown> {
  return db.deleteFrom('labels').where('id', '=', id).execute();
}

/** Conversations carrying a label (the ids whose desks must hear that it was renamed or removed), bounded. */
export async function conversationsWithLabel(db: Q, labelId: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('conversationLabels')
    .select('conversationId')
    .where('labelId', '=', labelId)
    .limit(limit)
    .execute();
  return rows.map((r) => r.conversationId);
}

/** The labels of each conversation, by conversation id (label name order). */
export async function labelsOf(db: Q, conversationIds: string[]): Promise<Map<string, LabelRow[]>> {
  const out = new Map<string, LabelRow[]>();
  if (conversationIds.length === 0) return out;
  const rows = await db
    .selectFrom('conversationLabels as cl')
    .innerJoin('labels as l', 'l.id', 'cl.labelId')
    .select([
      'cl.conversationId',
      'l.id',
      'l.name',
      'l.nameKey',
      'l.color',
      'l.createdAt',
      'l.updatedAt',
      'l.updatedBy',
    ])
    .where('cl.conversationId', 'in', conversationIds)
    .orderBy('l.nameKey')
    .execute();
  for (const { conversationId, ...label } of rows) {
    const list = out.get(conversationId) ?? [];
    list.push(label);
    out.set(conversationId, list);
  }
  return out;
}

/** Adds a label to a conversation unless it is there; true when this call added it. */
export async function addConversationLabel(
  db: Q,
  row: { conversationId: string; labelId: string; addedAt: number; addedBy: string | null },
): Promise<boolean> {
  const r = await db
    .insertInto('conversationLabels')
    .values(row)
    .onConflict((oc) => oc.columns(['conversationId', 'labelId']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function removeConversationLabel(db: Q, conversationId: string, labelId: string): Promise<boolean> {
  const r = await db
    .deleteFrom('conversationLabels')
    .where('conversationId', '=', conversationId)
    .where('labelId', '=', labelId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** At most this many labels on one conversation. */
export const MAX_LABELS_PER_CONVERSATION = 20;

export function countConversationLabels(db: Q, conversationId: string): Promise<number> {
  return db
    .selectFrom('conversationLabels')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('conversationId', '=', conversationId)
    .executeTakeFirstOrThrow()
    .then((r) => Number(r.n));
}
