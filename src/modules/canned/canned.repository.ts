import type { Db } from '../../db/database.js';
import type { CannedRepliesTable } from '../../db/schema.js';

export type CannedRow = CannedRepliesTable;

export function listCanned(db: Db): Promise<CannedRow[]> {
  return db.selectFrom('cannedReplies').selectAll().orderBy('position').orderBy('title').execute();
}

export function findCanned(db: Db, id: string): Promise<CannedRow | undefined> {
  return db.selectFrom('cannedReplies').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findCannedByShortcut(db: Db, shortcut: string): Promise<CannedRow | undefined> {
  return db.selectFrom('cannedReplies').selectAll().where('shortcut', '=', shortcut).executeTakeFirst();
}

export function insertCanned(db: Db, row: CannedRow): Promise<unknown> {
  return db.insertInto('cannedReplies').values(row).execute();
}

export function updateCanned(db: Db, id: string, changes: Partial<CannedRow>): Promise<unknown> {
  return db.updateTable('cannedReplies').set(changes).where('id', '=', id).execute();
}

export async function deleteCanned(db: Db, id: string): Promise<boolean> {
  const r = await db.deleteFrom('cannedReplies').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function nextCannedPosition(db: Db): Promise<number> {
  const row = await db
    .selectFrom('cannedReplies')
    .select((eb) => eb.fn.max<number>('position').as('p'))
    .executeTakeFirst();
  return Number(row?.p ?? 0) + 1;
}
