import type { Db } from '../../db/database.js';
import type { ScheduleIntervalsTable, ScheduleOverridesTable, ScheduleStateTable } from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';

export type ScheduleStateRow = ScheduleStateTable;
export type ScheduleIntervalRow = ScheduleIntervalsTable;
export type ScheduleOverrideRow = ScheduleOverridesTable;

export function findScheduleState(db: Db | Tx): Promise<ScheduleStateRow | undefined> {
  return db.selectFrom('scheduleState').selectAll().where('id', '=', 1).executeTakeFirst();
}

/**
 * First statement of every schedule write: bumps the version, which takes the state row's lock on PostgreSQL
 * and the write lock on SQLite, so concurrent edits validate against each other's committed result.
 */
export function lockScheduleForWrite(trx: Tx): Promise<ScheduleStateRow> {
  return trx
    .updateTable('scheduleState')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', 1)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Records a weekly-schedule edit; the first one marks the schedule as configured. */
export async function markWeekUpdated(trx: Tx, at: number, by: string | null): Promise<void> {
  await trx
    .updateTable('scheduleState')
    .set((eb) => ({ configuredAt: eb.fn.coalesce('configuredAt', eb.val(at)), updatedAt: at, updatedBy: by }))
    .where('id', '=', 1)
    .execute();
}

export function findWeeklyIntervals(db: Db | Tx): Promise<ScheduleIntervalRow[]> {
  return db.selectFrom('scheduleIntervals').selectAll().orderBy('weekday').orderBy('position').execute();
}

export async function replaceWeeklyIntervals(trx: Tx, rows: ScheduleIntervalRow[]): Promise<void> {
  await trx.deleteFrom('scheduleIntervals').execute();
  if (rows.length > 0) await trx.insertInto('scheduleIntervals').values(rows).execute();
}

/** Overrides dated `fromDate` or later (YYYY-MM-DD sorts as text), oldest first. */
export function findOverridesFrom(db: Db | Tx, fromDate: string): Promise<ScheduleOverrideRow[]> {
  return db.selectFrom('scheduleOverrides').selectAll().where('date', '>=', fromDate).orderBy('date').execute();
}

export function findOverride(db: Db | Tx, date: string): Promise<ScheduleOverrideRow | undefined> {
  return db.selectFrom('scheduleOverrides').selectAll().where('date', '=', date).executeTakeFirst();
}

/** Inserts unless the date already has an override; false when it had one. */
export async function insertOverrideIfAbsent(trx: Tx, row: ScheduleOverrideRow): Promise<boolean> {
  const result = await trx
    .insertInto('scheduleOverrides')
    .values(row)
    .onConflict((oc) => oc.column('date').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function updateOverride(
  trx: Tx,
  date: string,
  patch: Pick<ScheduleOverrideRow, 'kind' | 'intervals' | 'reason' | 'updatedAt' | 'updatedBy'>,
): Promise<boolean> {
  const result = await trx.updateTable('scheduleOverrides').set(patch).where('date', '=', date).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteOverride(trx: Tx, date: string): Promise<boolean> {
  const result = await trx.deleteFrom('scheduleOverrides').where('date', '=', date).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
