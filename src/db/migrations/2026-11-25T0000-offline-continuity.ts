import type { Kysely } from 'kysely';

/**
 * Offline continuity and retention:
 * - `offline_reply_queue`: agent replies waiting to be e-mailed to a visitor who was not connected (one row per
 *   message; the row goes when the reply is mailed, or when the visitor came back and saw it live);
 * - `conversation_mail`: per conversation, when a reply e-mail was last sent (the throttle) and how many
 *   transcripts were sent (a cap, so the transcript form is not a mail cannon);
 * - `job_runs`: the last run of scheduled jobs (the daily retention purge records its local date here, so two
 *   instances never both run it on the same day).
 * Conversation rows cascade to the first two: erasing a conversation leaves nothing behind.
 */
// Migrations see no application types: `any` is the honest type of a database at this point in its history.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('offline_reply_queue')
    .addColumn('message_id', 'text', (c) => c.primaryKey().references('messages.id').onDelete('cascade'))
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('queued_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('offline_reply_queue_conversation_idx')
    .on('offline_reply_queue')
    .columns(['conversation_id', 'queued_at'])
    .execute();

  await db.schema
    .createTable('conversation_mail')
    .addColumn('conversation_id', 'text', (c) => c.primaryKey().references('conversations.id').onDelete('cascade'))
    .addColumn('last_reply_mail_at', 'bigint')
    .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('retry_at', 'bigint')
    .addColumn('transcripts_sent', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('job_runs')
    .addColumn('name', 'text', (c) => c.primaryKey())
    // The local date (support timezone) of the last run, YYYY-MM-DD.
    .addColumn('last_run_date', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    // JSON: what the run did (counts), for operators.
    .addColumn('summary', 'text')
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('job_runs').execute();
  await db.schema.dropTable('conversation_mail').execute();
  await db.schema.dropTable('offline_reply_queue').execute();
}
