import type { Db } from '../../db/database.js';
import type { SessionsTable } from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';

type Q = Db | Tx;
export type SessionRow = SessionsTable;

export interface SessionWithUser extends SessionRow {
  role: string | null;
  username: string | null;
  displayName: string | null;
  jobTitle: string | null;
  isActive: number | null;
  /** When the staff member's two-factor sign-in was enabled (null: not enrolled). */
  twoFactorEnabledAt: number | null;
}

export function insertSession(db: Q, row: SessionRow): Promise<unknown> {
  return db.insertInto('sessions').values(row).execute();
}

export function insertVisitor(
  db: Q,
  row: { id: string; customerId: string | null; createdAt: number },
): Promise<unknown> {
  return db.insertInto('visitors').values(row).execute();
}

export function linkVisitorToCustomer(db: Q, visitorId: string, customerId: string): Promise<unknown> {
  return db.updateTable('visitors').set({ customerId }).where('id', '=', visitorId).execute();
}

/** A session by token hash with the user's current state, in one query. */
export function findSessionByTokenHash(db: Q, tokenHash: string): Promise<SessionWithUser | undefined> {
  return db
    .selectFrom('sessions')
    .leftJoin('users', 'users.id', 'sessions.userId')
    .leftJoin('staffTwoFactor', 'staffTwoFactor.userId', 'sessions.userId')
    .selectAll('sessions')
    .select(['users.role', 'users.username', 'users.displayName', 'users.jobTitle', 'users.isActive'])
    .select('staffTwoFactor.enabledAt as twoFactorEnabledAt')
    .where('sessions.tokenHash', '=', tokenHash)
    .executeTakeFirst();
}

export function touchSession(db: Q, id: string, lastSeenAt: number, expiresAt: number): Promise<unknown> {
  return db.updateTable('sessions').set({ lastSeenAt, expiresAt }).where('id', '=', id).execute();
}

export async function deleteSession(db: Q, id: string): Promise<boolean> {
  const r = await db.deleteFrom('sessions').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Deletes every session of `userId` (but `exceptId`) and returns their ids. */
export async function deleteUserSessions(db: Q, userId: string, exceptId?: string): Promise<string[]> {
  const rows = await db
    .deleteFrom('sessions')
    .where('userId', '=', userId)
    .$if(exceptId !== undefined, (qb) => qb.where('id', '!=', exceptId!))
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function deleteExpiredSessions(db: Q, now: number): Promise<number> {
  const r = await db.deleteFrom('sessions').where('expiresAt', '<=', now).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Of `ids`, those that still exist and have not expired (socket re-validation, in one query). */
export async function findLiveSessionIds(db: Q, ids: string[], now: number): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('sessions')
    .leftJoin('users', 'users.id', 'sessions.userId')
    .select('sessions.id')
    .where('sessions.id', 'in', ids)
    .where('sessions.expiresAt', '>', now)
    .where((eb) => eb.or([eb('sessions.userId', 'is', null), eb('users.isActive', '=', 1)]))
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** A person's live sessions, most recently used first (bounded: nobody has more than a page of devices). */
export function listUserSessions(db: Q, userId: string, now: number, limit: number): Promise<SessionRow[]> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('userId', '=', userId)
    .where('expiresAt', '>', now)
    .orderBy('lastSeenAt', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Deletes one session of `userId` (another person's id deletes nothing); true when it existed. */
export async function deleteSessionOf(db: Q, userId: string, sessionId: string): Promise<boolean> {
  const r = await db.deleteFrom('sessions').where('id', '=', sessionId).where('userId', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
