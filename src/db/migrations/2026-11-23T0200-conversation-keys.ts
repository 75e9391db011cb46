import type { Kysely } from 'kysely';
import { binary } from './dialect.js';

/**
 * One data key per conversation, stored wrapped (encrypted) under a master key. No foreign key: deleting the
 * row is how a conversation's content is crypto-shredded, whatever happens to the conversation row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('conversation_keys')
    .addColumn('conversation_id', 'text', (c) => c.primaryKey())
    .addColumn('master_key_id', 'text', (c) => c.notNull())
    .addColumn('wrapped_key', binary(db), (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('rotated_at', 'bigint')
    .execute();

  // Rotation walks one master key id at a time in conversation order; the start check finds the distinct
  // master key ids with a few index seeks instead of a table scan.
  await db.schema
    .createIndex('conversation_keys_master_key_idx')
    .on('conversation_keys')
    .columns(['master_key_id', 'conversation_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('conversation_keys').execute();
}
