import type { Kysely } from 'kysely';
import { binary } from './dialect.js';

/**
 * Attachments: the bytes live in the attachment storage (DATA_DIR/attachments by default) under a random key,
 * encrypted with the conversation's data key; this table holds what we know about them. A row is uploaded
 * (message_id NULL) until a message references it; the claim is guarded by `message_id IS NULL`, so two
 * messages can never share a file. No foreign key on message_id: the claim runs in the writer's transaction
 * before that batch's messages are inserted, and both rows go away with their conversation anyway.
 */
// Migrations see no application types: `any` is the honest type of a database at this point in its history.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('attachments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('message_id', 'text')
    .addColumn('uploader_type', 'text', (c) => c.notNull()) // visitor | customer | staff
    .addColumn('uploader_id', 'text', (c) => c.notNull())
    // The sanitised display name, encrypted like the bytes (AES-256-GCM record under the conversation's key).
    .addColumn('name', binary(db), (c) => c.notNull())
    .addColumn('extension', 'text', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('is_image', 'integer', (c) => c.notNull())
    // HMAC-SHA256 of the plaintext under a subkey of the conversation's data key (never a plain hash).
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    // Random; the file's name in the storage. Never derived from the user's file name.
    .addColumn('storage_key', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('attachments_message_idx').on('attachments').column('message_id').execute();
  await db.schema
    .createIndex('attachments_conversation_idx')
    .on('attachments')
    .columns(['conversation_id', 'uploader_id', 'message_id'])
    .execute();
  // The sweep of uploads never referenced: message_id IS NULL and created_at < cutoff.
  await db.schema
    .createIndex('attachments_unreferenced_idx')
    .on('attachments')
    .columns(['message_id', 'created_at'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('attachments').execute();
}
