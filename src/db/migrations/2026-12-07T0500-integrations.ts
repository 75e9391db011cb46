import type { Kysely } from 'kysely';
import { binary } from './dialect.js';

/**
 * Integrations: API tokens (a third kind of principal, bearer only, stored hashed), webhook endpoints (their signing
 * secret sealed with a data key of `conversation_keys`, id `webhook:<endpoint id>`) and webhook deliveries (one row per
 * event and endpoint, carried out by the jobs runner with retries; the log the admin screen shows).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    // SHA-256 of the token: the token itself is shown once and never stored.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    // JSON array of scopes.
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('bot_name', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by_id', 'text')
    .addColumn('created_by_name', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('last_used_ip', 'text')
    .addColumn('revoked_at', 'bigint')
    .addColumn('revoked_by_name', 'text')
    .execute();
  await db.schema.createIndex('api_tokens_created_idx').on('api_tokens').column('created_at').execute();

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    // JSON array of event types.
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('include_notes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('allow_private_network', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    // The signing secret, sealed (AES-256-GCM record) with the data key `webhook:<id>`.
    .addColumn('secret', binary(db), (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by_name', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    // No foreign key: the log outlives an erased conversation (its body is built at send time, so it sends nothing).
    .addColumn('conversation_id', 'text')
    // JSON: the event's facts at the time (ids, status, agent); never message text or personal data.
    .addColumn('facts', 'text', (c) => c.notNull())
    // '<endpoint>:<event>' for the fan-out (one delivery per endpoint and event); null for manual redeliveries.
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .addColumn('redelivery_of', 'text')
    .addColumn('status', 'text', (c) => c.notNull()) // pending | delivered | failed
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint')
    // While an instance sends it: until when, and which claim (a late writer with an old claim changes nothing).
    .addColumn('claimed_until', 'bigint')
    .addColumn('claim', 'text')
    .addColumn('last_attempt_at', 'bigint')
    .addColumn('delivered_at', 'bigint')
    .addColumn('response_status', 'integer')
    .addColumn('latency_ms', 'integer')
    .addColumn('response_snippet', 'text')
    .addColumn('error', 'text')
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due_idx')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_log_idx')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'created_at'])
    .execute();
  await db.schema.createIndex('webhook_deliveries_created_idx').on('webhook_deliveries').column('created_at').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('webhook_endpoints').execute();
  await db.schema.dropTable('api_tokens').execute();
}
