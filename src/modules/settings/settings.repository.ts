import type { Db } from '../../db/database.js';
import type { Tx } from '../../db/transaction.js';
import type { SettingsTable } from '../../db/schema.js';

export type SettingRow = SettingsTable;

export function findAllSettings(db: Db | Tx): Promise<SettingRow[]> {
  return db.selectFrom('settings').selectAll().execute();
}

export function findSetting(db: Db | Tx, key: string): Promise<SettingRow | undefined> {
  return db.selectFrom('settings').selectAll().where('key', '=', key).executeTakeFirst();
}

/** Inserts the seed unless the key already has a value; returns true when it inserted. */
export async function insertSettingIfAbsent(db: Db | Tx, row: SettingRow): Promise<boolean> {
  const result = await db
    .insertInto('settings')
    .values(row)
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function upsertSetting(db: Db | Tx, row: SettingRow): Promise<void> {
  await db
    .insertInto('settings')
    .values(row)
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({ value: row.value, source: row.source, updatedAt: row.updatedAt, updatedBy: row.updatedBy }),
    )
    .execute();
}
