import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Role, UsersTable } from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';

export type UserRow = UsersTable;
type Q = Db | Tx;

export function insertUser(db: Q, row: UserRow): Promise<unknown> {
  return db.insertInto('users').values(row).execute();
}

export function findUserById(db: Q, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** By lower-cased username or e-mail. */
export function findUserByLoginKey(db: Q, key: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb.or([eb('usernameKey', '=', key), eb('emailKey', '=', key)]))
    .executeTakeFirst();
}

export function findUserByEmailKey(db: Q, emailKey: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('emailKey', '=', emailKey).executeTakeFirst();
}

/** Which of the unique keys are already taken (by anyone but `exceptId`). */
export async function findTakenKeys(
  db: Q,
  keys: { usernameKey?: string; emailKey?: string },
  exceptId?: string,
): Promise<{ username: boolean; email: boolean }> {
  const rows = await db
    .selectFrom('users')
    .select(['usernameKey', 'emailKey'])
    .where((eb) =>
      eb.or([
        ...(keys.usernameKey ? [eb('usernameKey', '=', keys.usernameKey)] : []),
        ...(keys.emailKey ? [eb('emailKey', '=', keys.emailKey)] : []),
        eb.lit(false),
      ]),
    )
    .$if(exceptId !== undefined, (qb) => qb.where('id', '!=', exceptId!))
    .execute();
  return {
    username: keys.usernameKey !== undefined && rows.some((r) => r.usernameKey === keys.usernameKey),
    email: keys.emailKey !== undefined && rows.some((r) => r.emailKey === keys.emailKey),
  };
}

export interface UserListFilter {
  kind: 'staff' | 'customers';
  search?: string;
  role?: Role;
  active?: boolean;
  limit: number;
  offset: number;
}

export async function listUsers(db: Q, f: UserListFilter): Promise<{ rows: UserRow[]; total: number }> {
  let query = db.selectFrom('users');
  query = f.kind === 'staff' ? query.where('role', 'in', ['agent', 'admin']) : query.where('role', '=', 'customer');
  if (f.role) query = query.where('role', '=', f.role);
  if (f.active !== undefined) query = query.where('isActive', '=', f.active ? 1 : 0);
  if (f.search) {
    // Parameterised LIKE with the wildcard characters of the search escaped.
    const pattern = `%${f.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or(
        ['usernameKey', 'emailKey', 'displayName', 'firstName', 'lastName'].map((column) =>
          eb(sql`lower(${sql.ref(column)})`, 'like', sql`${pattern} escape '\\'`),
        ),
      ),
    );
  }
  const [rows, count] = await Promise.all([
    query.selectAll().orderBy('createdAt', 'desc').orderBy('id').limit(f.limit).offset(f.offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

export function updateUser(db: Q, id: string, changes: Partial<UserRow>): Promise<unknown> {
  return db.updateTable('users').set(changes).where('id', '=', id).execute();
}

export function deleteUserRow(db: Q, id: string): Promise<unknown> {
  return db.deleteFrom('users').where('id', '=', id).execute();
}

/**
 * The ids of active admins, locked against concurrent change on PostgreSQL (rows locked in id order, so two
 * admins removing each other at the same instant serialise). SQLite serialises write transactions anyway.
 */
export async function lockActiveAdminIds(db: Tx, dialect: 'sqlite' | 'postgres'): Promise<string[]> {
  let query = db.selectFrom('users').select('id').where('role', '=', 'admin').where('isActive', '=', 1).orderBy('id');
  if (dialect === 'postgres') query = query.forUpdate();
  return (await query.execute()).map((r) => r.id);
}

export async function countActiveAdmins(db: Q): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .where('isActive', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Display names of every staff member (for the impersonation check on any name), but `exceptId`'s: nobody
 * impersonates themselves.
 */
export async function staffDisplayNames(db: Q, exceptId?: string): Promise<string[]> {
  const rows = await db
    .selectFrom('users')
    .select('displayName')
    .where('role', 'in', ['agent', 'admin'])
    .$if(exceptId !== undefined, (qb) => qb.where('id', '!=', exceptId!))
    .execute();
  return rows.map((r) => r.displayName);
}
