import type { Db } from '../../db/database.js';
import type { StaffRecoveryCodesTable, StaffTwoFactorTable } from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';

type Q = Db | Tx;
export type TwoFactorRow = StaffTwoFactorTable;

export function findTwoFactor(db: Q, userId: string): Promise<TwoFactorRow | undefined> {
  return db.selectFrom('staffTwoFactor').selectAll().where('userId', '=', userId).executeTakeFirst();
}

export async function replaceTwoFactor(db: Tx, row: TwoFactorRow): Promise<void> {
  await db.deleteFrom('staffTwoFactor').where('userId', '=', row.userId).execute();
  await db.insertInto('staffTwoFactor').values(row).execute();
}

/** Confirms a pending enrolment at `step`; false when it was not pending any more (a concurrent confirmation). */
export async function enableTwoFactor(db: Tx, userId: string, now: number, step: number): Promise<boolean> {
  const r = await db
    .updateTable('staffTwoFactor')
    .set({ enabledAt: now, lastStep: step })
    .where('userId', '=', userId)
    .where('enabledAt', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Records `step` as used if no later or equal step was: the atomic guard that makes a TOTP code single-use, even
 * when two sign-ins race with the same code on two instances.
 */
export async function claimStep(db: Q, userId: string, step: number): Promise<boolean> {
  const r = await db
    .updateTable('staffTwoFactor')
    .set({ lastStep: step })
    .where('userId', '=', userId)
    .where('enabledAt', 'is not', null)
    .where('lastStep', '<', step)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteTwoFactor(db: Tx, userId: string): Promise<boolean> {
  await db.deleteFrom('staffRecoveryCodes').where('userId', '=', userId).execute();
  const r = await db.deleteFrom('staffTwoFactor').where('userId', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function replaceRecoveryCodes(db: Tx, rows: StaffRecoveryCodesTable[]): Promise<void> {
  const userId = rows[0]?.userId;
  if (userId === undefined) return;
  await db.deleteFrom('staffRecoveryCodes').where('userId', '=', userId).execute();
  await db.insertInto('staffRecoveryCodes').values(rows).execute();
}

/** Spends a recovery code atomically; false when it is unknown or already used. */
export async function spendRecoveryCode(db: Q, userId: string, codeHash: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('staffRecoveryCodes')
    .set({ usedAt: now })
    .where('userId', '=', userId)
    .where('codeHash', '=', codeHash)
    .where('usedAt', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function countUnusedRecoveryCodes(db: Q, userId: string): Promise<number> {
  const row = await db
    .selectFrom('staffRecoveryCodes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('userId', '=', userId)
    .where('usedAt', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
