import type { Kysely } from 'kysely';

/** The five canned replies every new installation starts with (admins edit them). */
const DEFAULT_CANNED = [
  ['Greeting', 'hi', 'Hi {{visitor.name}}, I’m {{agent.name}} ({{agent.title}}). How can I help you today?'],
  ['More Info', 'more', 'Could you tell me a bit more about what happened, and what you expected to happen?'],
  ['Checking', 'check', 'Thanks, {{visitor.name}}. Let me check that for you; it will take a moment.'],
  ['Resolution Check', 'resolved', 'Does that solve the problem for you?'],
  ['Additional Help', 'anything', 'Is there anything else I can help you with today?'],
] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('canned_replies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('shortcut', 'text', (c) => c.notNull().unique())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();
  const now = Date.now();
  await db
    .insertInto('canned_replies')
    .values(
      DEFAULT_CANNED.map(([title, shortcut, body], i) => ({
        id: `canned-${i + 1}`,
        title,
        shortcut,
        body,
        position: i + 1,
        created_at: now,
        updated_at: now,
        updated_by: null,
      })),
    )
    .execute();

  // How far the visitor/customer has read (the agents' read positions live on their participant rows).
  await db.schema
    .alterTable('conversations')
    .addColumn('owner_read_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('conversations_activity_idx')
    .on('conversations')
    .columns(['status', 'last_message_at'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('conversations_activity_idx').execute();
  await db.schema.alterTable('conversations').dropColumn('owner_read_seq').execute();
  await db.schema.dropTable('canned_replies').execute();
}
