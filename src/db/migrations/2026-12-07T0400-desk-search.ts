import type { Kysely } from 'kysely';
import { binary } from './dialect.js';

/**
 * The desk's daily tools (issue 15, part B): labels on conversations (an admin-managed list), the snooze state of a
 * conversation, satisfaction ratings, and the indexes that search and reports page on.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('labels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    // Lower-cased name: "Billing" and "billing" are one label.
    .addColumn('name_key', 'text', (c) => c.notNull().unique())
    .addColumn('color', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();
  await db.schema
    .createTable('conversation_labels')
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('label_id', 'text', (c) => c.notNull().references('labels.id').onDelete('cascade'))
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addColumn('added_by', 'text')
    .addPrimaryKeyConstraint('conversation_labels_pk', ['conversation_id', 'label_id'])
    .execute();
  await db.schema.createIndex('conversation_labels_label_idx').on('conversation_labels').column('label_id').execute();

  // Snooze: an active conversation parked by its agent until a time and/or until the visitor writes. The flag is
  // snoozed_at (not null while snoozed); snoozed_seq is the last sequence when it was parked, so "the visitor wrote
  // since" is one index range on messages (conversation_id, seq).
  for (const [name, type] of [
    ['snoozed_at', 'bigint'],
    ['snoozed_until', 'bigint'],
    ['snoozed_seq', 'integer'],
    ['snoozed_by_id', 'text'],
    ['snoozed_by_name', 'text'],
  ] as const) {
    await db.schema.alterTable('conversations').addColumn(name, type).execute();
  }
  await db.schema.createIndex('conversations_snoozed_idx').on('conversations').column('snoozed_at').execute();
  // Search pages newest first on (created_at, id); reports read a date range of created_at.
  await db.schema.createIndex('conversations_created_idx').on('conversations').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('csat_ratings')
    // One rating per conversation (editable for a short while, never a second one).
    .addColumn('conversation_id', 'text', (c) => c.primaryKey().references('conversations.id').onDelete('cascade'))
    .addColumn('rating', 'integer', (c) => c.notNull())
    // The optional comment, encrypted with the conversation's key like a message (AAD csat:<conversation>); null
    // without one.
    .addColumn('comment', binary(db))
    .addColumn('rater_type', 'text', (c) => c.notNull())
    .addColumn('rater_id', 'text', (c) => c.notNull())
    .addColumn('submitted_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // Copied from the conversation when first rated, so reports read a date range without a join.
    .addColumn('closed_at', 'bigint')
    .execute();
  await db.schema.createIndex('csat_ratings_submitted_idx').on('csat_ratings').column('submitted_at').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('csat_ratings').execute();
  await db.schema.dropIndex('conversations_created_idx').execute();
  await db.schema.dropIndex('conversations_snoozed_idx').execute();
  for (const name of ['snoozed_at', 'snoozed_until', 'snoozed_seq', 'snoozed_by_id', 'snoozed_by_name']) {
    await db.schema.alterTable('conversations').dropColumn(name).execute();
  }
  await db.schema.dropTable('conversation_labels').execute();
  await db.schema.dropTable('labels').execute();
}
