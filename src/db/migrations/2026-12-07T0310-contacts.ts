import type { Kysely } from 'kysely';
import { binary } from './dialect.js';

/**
 * The contact panel: where a conversation started (the start form's page and the browser, parsed from the user
 * agent; never the IP), and staff-only notes about a contact (a visitor or a customer), encrypted like messages
 * under a data key of the contact's own (conversation_keys, id `contact:<kind>:<id>`).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('conversation_origins')
    .addColumn('conversation_id', 'text', (c) => c.primaryKey().references('conversations.id').onDelete('cascade'))
    .addColumn('page_url', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('browser', 'text')
    .addColumn('os', 'text')
    .addColumn('device', 'text')
    .execute();

  await db.schema
    .createTable('contact_notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // 'visitor:<id>' or 'customer:<id>'.
    .addColumn('contact_key', 'text', (c) => c.notNull())
    .addColumn('author_id', 'text')
    .addColumn('author_name', 'text', (c) => c.notNull())
    // AES-256-GCM record under the contact's data key, bound to (contact, note id).
    .addColumn('body', binary(db), (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('contact_notes_contact_idx')
    .on('contact_notes')
    .columns(['contact_key', 'created_at'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('contact_notes').execute();
  await db.schema.dropTable('conversation_origins').execute();
}
