/**
 * A lease lock in the database, shared by every instance that shares the database: the distributed lock
 * for scheduled jobs (daily purge, idle auto-close). A lease expires by itself if its holder dies.
 */
import { newId } from '../core/ids.js';
import type { Clock } from '../core/clock.js';
import type { Db } from './database.js';

export interface Lease {
  name: string;
  owner: string;
  release(): Promise<void>;
}

/** Takes the lock `name` for `ttlMs` if nobody holds a live lease on it; undefined otherwise. */
export async function tryAcquireLock(db: Db, clock: Clock, name: string, ttlMs: number): Promise<Lease | undefined> {
  const owner = newId();
  const now = clock.now();
  const row = await db
    .insertInto('locks')
    .values({ name, owner, expiresAt: now + ttlMs })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ owner, expiresAt: now + ttlMs })
        .where('locks.expiresAt', '<=', now),
    )
    .returning(['owner'])
    .executeTakeFirst();
  if (row?.owner !== owner) return undefined;
  return {
    name,
    owner,
    async release() {
      await db.deleteFrom('locks').where('name', '=', name).where('owner', '=', owner).execute();
    },
  };
}

/** Runs `fn` while holding the lock; returns `{ ran: false }` when another holder has it. */
export async function withLock<T>(
  db: Db,
  clock: Clock,
  name: string,
  ttlMs: number,
  fn: () => Promise<T>,
): Promise<{ ran: true; value: T } | { ran: false }> {
  const lease = await tryAcquireLock(db, clock, name, ttlMs);
  if (!lease) return { ran: false };
  try {
    return { ran: true, value: await fn() };
  } finally {
    await lease.release();
  }
}
