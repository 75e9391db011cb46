import type { Transaction } from 'kysely';
import { systemClock, type Clock } from '../core/clock.js';
import { domainEvent, type DomainEvent } from '../events/domain-events.js';
import type { EventBus } from '../events/event-bus.js';
import type { Db } from './database.js';
import { insertOutbox, outboxRow, type OutboxEntry } from './outbox.js';
import type { Database } from './schema.js';

export type Tx = Transaction<Database>;

/** What a service gets inside a transaction: the transaction, and ways to announce and to cause things after commit. */
export interface UnitOfWork {
  trx: Tx;
  /** Publishes `event` on the bus once the transaction has committed (a wake-up signal; never before). */
  emit(event: DomainEvent): void;
  /**
   * Writes a side effect into the outbox, in this transaction: it happens after the commit, exactly once across
   * instances, carried out by the jobs runner (src/jobs/) — or never, if the transaction rolls back. For anything
   * outside the database that must follow a change: e-mails, deleting stored files, webhooks.
   */
  enqueue(entry: OutboxEntry): Promise<void>;
}

/**
 * Runs `fn` in one transaction and publishes the events it emitted only after the commit succeeded:
 * nothing uncommitted is ever announced. On SQLite, do not await anything but queries inside `fn`
 * (the writer connection is held for everyone while the transaction is open).
 */
export async function inTransaction<T>(
  db: Db,
  bus: EventBus,
  fn: (uow: UnitOfWork) => Promise<T>,
  clock: Clock = systemClock,
): Promise<T> {
  const events: DomainEvent[] = [];
  let enqueued = 0;
  const result = await db.transaction().execute((trx) =>
    fn({
      trx,
      emit: (e) => events.push(e),
      enqueue: async (entry) => {
        await insertOutbox(trx, [outboxRow(entry, clock.now())]);
        enqueued += 1;
      },
    }),
  );
  for (const event of events) bus.publish(event);
  // Wakes the jobs runner on every instance; whichever holds the outbox lease carries the rows out.
  if (enqueued > 0) bus.publish(domainEvent('outbox.enqueued', { count: enqueued }));
  return result;
}
