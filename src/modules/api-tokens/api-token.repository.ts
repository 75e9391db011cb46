import type { Db } from '../../db/database.js';
import type { ApiTokensTable } from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';

type Q = Db | Tx;
export type ApiTokenRow = ApiTokensTable;

export function insertApiToken(db: Q, row: ApiTokenRow): Promise<unknown> {
  return db.insertInto('apiTokens').values(row).execute();
}

export function findApiTokenByHash(db: Q, tokenHash: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('apiTokens').selectAll().where('tokenHash', '=', tokenHash).executeTakeFirst();
}

export function findApiToken(db: Q, id: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('apiTokens').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Newest first, a page at a time. */
export async function listApiTokens(
  db: Q,
  limit: number,
  offset: number,
): Promise<{ rows: ApiTokenRow[]; total: number }> {
  const [rows, count] = await Promise.all([
    db
      .selectFrom('apiTokens')
      .selectAll()
      .orderBy('createdAt', 'desc')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute(),
    db
      .selectFrom('apiTokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

/** Revokes an active token; false when it was revoked already (or is unknown). */
export async function revokeApiToken(db: Q, id: string, at: number, byName: string): Promise<boolean> {
  const r = await db
    .updateTable('apiTokens')
    .set({ revokedAt: at, revokedByName: byName })
    .where('id', '=', id)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Records a use, at most once per `everyMs` per token (the guard makes concurrent requests write once). */
export async function touchApiToken(db: Q, id: string, at: number, ip: string | null, everyMs: number): Promise<void> {
  await db
    .updateTable('apiTokens')
    .set({ lastUsedAt: at, lastUsedIp: ip })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('lastUsedAt', 'is', null), eb('lastUsedAt', '<=', at - everyMs)]))
    .execute();
}
