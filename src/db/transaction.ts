import type { Transaction } from 'kysely';
import type { DomainEvent } from '../events/domain-events.js';
import type { EventBus } from '../events/event-bus.js';
import type { Db } from './database.js';
import type { Database } from './schema.js';

export type Tx = Transaction<Database>;

/** What a service gets inside a transaction: the transaction, and a way to emit events that fire after commit. */
export interface UnitOfWork {
  trx: Tx;
  emit(event: DomainEvent): void;
  /**
   * Runs `fn` on this instance once the transaction has committed (never after a rollback), after the events
   * were published: for side effects outside the database, such as deleting stored files of erased rows. `fn`
   * handles (logs) its own failures: the change is committed whatever happens to it.
   */
  afterCommit(fn: () => Promise<void>): void;
}

/**
 * Runs `fn` in one transaction and publishes the events it emitted only after the commit succeeded:
 * nothing uncommitted is ever announced. On SQLite, do not await anything but queries inside `fn`
 * (the single connection is held for everyone while the transaction is open).
 */
export async function inTransaction<T>(db: Db, bus: EventBus, fn: (uow: UnitOfWork) => Promise<T>): Promise<T> {
  const events: DomainEvent[] = [];
  const after: (() => Promise<void>)[] = [];
  const result = await db
    .transaction()
    .execute((trx) => fn({ trx, emit: (e) => events.push(e), afterCommit: (f) => after.push(f) }));
  for (const event of events) bus.publish(event);
  for (const f of after) await f().catch(() => undefined);
  return result;
}
