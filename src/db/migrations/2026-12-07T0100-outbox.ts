import type { Kysely } from 'kysely';

/**
 * The transactional outbox: side effects of a change (an e-mail to send, files to delete, later webhooks) are
 * written as rows in the change's own transaction, and the jobs runner (src/jobs/) carries them out after the
 * commit, exactly once across instances. A row is deleted when its handler succeeded; failures come back after a
 * backoff until the handler's attempts are used up (then `failed_at` is set and the row stays, for operators).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('topic', 'text', (c) => c.notNull())
    // JSON text: never message plaintext (ids and metadata only).
    .addColumn('payload', 'text', (c) => c.notNull())
    // Optional idempotence key: the same effect enqueued twice (a retried transaction) is stored once.
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('available_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('failed_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('outbox_due_idx')
    .on('outbox')
    .columns(['failed_at', 'available_at', 'created_at'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('outbox').execute();
}
