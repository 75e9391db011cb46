import type { Kysely } from 'kysely';
import { binary } from './dialect.js';

/**
 * The embeddable widget:
 * - `widget_sites`: a site allowed to embed the chat: its origins (JSON array, the frame's frame-ancestors and the
 *   loader's allow-list) and its identity secret, sealed (AES-256-GCM record) with a data key of its own kept in
 *   `conversation_keys` under the id `widget-site:<id>` (so `rotate-keys` re-wraps it and deleting the site shreds
 *   it). `secret_hint` is the secret's last four characters, for the masked display.
 * - `widget_contacts`: a host site's signed-in user, verified by a signed token: (site, the site's user id) owns one
 *   visitor identity of its own, whose conversations are that contact's history. Deleting the site or the visitor
 *   removes the contact.
 */
// Migrations see no application types: `any` is the honest type of a database at this point in its history.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('widget_sites')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('origins', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('secret', binary(db), (c) => c.notNull())
    .addColumn('secret_hint', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('secret_rotated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('widget_contacts')
    .addColumn('site_id', 'text', (c) => c.notNull().references('widget_sites.id').onDelete('cascade'))
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('visitor_id', 'text', (c) => c.notNull().unique().references('visitors.id').onDelete('cascade'))
    .addColumn('email', 'text')
    .addColumn('name', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('widget_contacts_pk', ['site_id', 'external_id'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('widget_contacts').execute();
  await db.schema.dropTable('widget_sites').execute();
}
