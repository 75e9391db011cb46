import type { Kysely } from 'kysely';
import { binary } from './dialect.js';

/** The list the start form shows until an admin edits it (the original had 14 fixed ones). */
const DEFAULT_TOPICS = [
  'General question',
  'Account and sign-in',
  'Billing and payments',
  'Technical problem',
  'Assignments and coursework',
  'Feedback',
];

// Migrations see no application types: `any` is the honest type of a database at this point in its history.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('topics')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  const now = Date.now();
  await db
    .insertInto('topics')
    .values(
      DEFAULT_TOPICS.map((label, i) => ({
        id: `topic-${i + 1}`,
        label,
        position: i + 1,
        is_active: 1,
        created_at: now,
      })),
    )
    .execute();

  await db.schema
    .createTable('conversations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('visitor_id', 'text', (c) => c.references('visitors.id').onDelete('set null'))
    .addColumn('customer_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    // 'visitor:<id>' or 'customer:<id>' while waiting/active, NULL otherwise: the unique index below makes
    // "one open conversation per visitor or customer" a database invariant, race or no race.
    .addColumn('open_owner', 'text')
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('topic_id', 'text')
    .addColumn('topic_label', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_public_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_message_at', 'bigint', (c) => c.notNull())
    .addColumn('waiting_since', 'bigint')
    .addColumn('first_response_at', 'bigint')
    .addColumn('closed_at', 'bigint')
    .addColumn('closed_by_id', 'text')
    .addColumn('closed_by_name', 'text')
    .execute();
  await db.schema
    .createIndex('conversations_open_owner_uq')
    .on('conversations')
    .column('open_owner')
    .unique()
    .execute();
  await db.schema
    .createIndex('conversations_status_idx')
    .on('conversations')
    .columns(['status', 'waiting_since'])
    .execute();
  await db.schema.createIndex('conversations_visitor_idx').on('conversations').column('visitor_id').execute();
  await db.schema
    .createIndex('conversations_customer_idx')
    .on('conversations')
    .columns(['customer_id', 'last_message_at'])
    .execute();
  await db.schema
    .createIndex('conversations_closed_idx')
    .on('conversations')
    .columns(['status', 'closed_at'])
    .execute();

  await db.schema
    .createTable('conversation_participants')
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('job_title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('joined_at', 'bigint', (c) => c.notNull())
    .addColumn('last_read_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('conversation_participants_pk', ['conversation_id', 'user_id'])
    .execute();
  await db.schema.createIndex('participants_user_idx').on('conversation_participants').column('user_id').execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    // NULL for staff-only notes: visitors number their messages on public_seq and never see a gap.
    .addColumn('public_seq', 'integer')
    .addColumn('kind', 'text', (c) => c.notNull()) // text | system | note
    .addColumn('author_type', 'text', (c) => c.notNull()) // visitor | customer | staff | system
    .addColumn('author_id', 'text')
    .addColumn('author_name', 'text', (c) => c.notNull())
    .addColumn('author_title', 'text')
    .addColumn('client_msg_id', 'text')
    // AES-256-GCM record under the conversation's data key, bound to (conversation id, message id).
    .addColumn('body', binary(db), (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('messages_seq_uq').on('messages').columns(['conversation_id', 'seq']).unique().execute();
  await db.schema
    .createIndex('messages_public_seq_uq')
    .on('messages')
    .columns(['conversation_id', 'public_seq'])
    .unique()
    .execute();
  await db.schema
    .createIndex('messages_client_id_uq')
    .on('messages')
    .columns(['conversation_id', 'author_id', 'client_msg_id'])
    .unique()
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['messages', 'conversation_participants', 'conversations', 'topics']) {
    await db.schema.dropTable(table).execute();
  }
}
