import type { Db } from '../../db/database.js';
import type { OneTimeTokensTable } from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';

type Q = Db | Tx;

export function insertOneTimeToken(db: Q, row: OneTimeTokensTable): Promise<unknown> {
  return db.insertInto('oneTimeTokens').values(row).execute();
}

/** An unused, unexpired token of this purpose (without spending it). */
export function findOneTimeToken(
  db: Q,
  tokenHash: string,
  purpose: string,
  now: number,
): Promise<OneTimeTokensTable | undefined> {
  return db
    .selectFrom('oneTimeTokens')
    .selectAll()
    .where('tokenHash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('usedAt', 'is', null)
    .where('expiresAt', '>', now)
    .executeTakeFirst();
}

/**
 * Marks a token used if it exists, has this purpose, is unused and unexpired — atomically, so two concurrent
 * uses cannot both succeed. Returns the token row or undefined.
 */
export async function consumeOneTimeToken(
  db: Q,
  tokenHash: string,
  purpose: string,
  now: number,
): Promise<OneTimeTokensTable | undefined> {
  return db
    .updateTable('oneTimeTokens')
    .set({ usedAt: now })
    .where('tokenHash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('usedAt', 'is', null)
    .where('expiresAt', '>', now)
    .returningAll()
    .executeTakeFirst();
}

export function deleteUnusedTokens(db: Q, userId: string, purpose: string): Promise<unknown> {
  return db
    .deleteFrom('oneTimeTokens')
    .where('userId', '=', userId)
    .where('purpose', '=', purpose)
    .where('usedAt', 'is', null)
    .execute();
}

export function deleteExpiredTokens(db: Q, now: number): Promise<unknown> {
  return db
    .deleteFrom('oneTimeTokens')
    .where('expiresAt', '<', now - 7 * 24 * 3_600_000)
    .execute();
}
