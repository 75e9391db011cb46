import type { Kysely } from 'kysely';

/**
 * Routing: teams (topics route to them), per-agent availability and capacity, and each conversation's routing
 * state (its team, who it was assigned to, whether that agent still owes the first answer).
 *
 * Invariants held by the database, not by memory:
 * - `teams.assign_seq` is bumped with a guarded UPDATE by every automatic assignment in the team (a
 *   compare-and-set): two instances assigning in one team at once cannot both win with the same view;
 * - the `agent_profiles` row of the chosen agent is written in the assignment's transaction (a row lock on
 *   PostgreSQL, the single writer on SQLite) before the agent's open conversations are counted, so capacity holds
 *   across teams and instances;
 * - one routing row per conversation (primary key), one membership per (team, user).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('teams')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    // Lower-cased name: team names are unique regardless of case.
    .addColumn('name_key', 'text', (c) => c.notNull().unique())
    // 'pooled' (the team's queue; agents pick) or 'auto' (round robin over available agents under capacity).
    .addColumn('mode', 'text', (c) => c.notNull().defaultTo('pooled'))
    .addColumn('assign_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('team_members')
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // The team's assign_seq when this member was last given a conversation: round robin picks the smallest.
    .addColumn('last_assigned_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('team_members_pk', ['team_id', 'user_id'])
    .execute();
  await db.schema.createIndex('team_members_user_idx').on('team_members').column('user_id').execute();

  await db.schema
    .createTable('agent_profiles')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    // 'online' or 'away': away agents get no new chats and do not count as agents online.
    .addColumn('availability', 'text', (c) => c.notNull().defaultTo('online'))
    // Most open conversations automatic assignment gives this agent; null: no limit.
    .addColumn('capacity', 'integer')
    .addColumn('assigned_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .alterTable('topics')
    .addColumn('team_id', 'text', (c) => c.references('teams.id').onDelete('set null'))
    .execute();

  await db.schema
    .createTable('conversation_routing')
    .addColumn('conversation_id', 'text', (c) => c.primaryKey().references('conversations.id').onDelete('cascade'))
    .addColumn('team_id', 'text', (c) => c.references('teams.id').onDelete('set null'))
    // The agent the conversation was last handed to (automatically or by a transfer); null while in a queue.
    .addColumn('assigned_agent_id', 'text')
    .addColumn('assigned_at', 'bigint')
    // 1 while the assigned agent has not answered yet: after routing.reassignAfterSeconds it is passed on.
    .addColumn('awaiting_answer', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('conversation_routing_team_idx').on('conversation_routing').column('team_id').execute();
  await db.schema
    .createIndex('conversation_routing_awaiting_idx')
    .on('conversation_routing')
    .columns(['awaiting_answer', 'assigned_at'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('conversation_routing').execute();
  await db.schema.alterTable('topics').dropColumn('team_id').execute();
  await db.schema.dropTable('agent_profiles').execute();
  await db.schema.dropTable('team_members').execute();
  await db.schema.dropTable('teams').execute();
}
