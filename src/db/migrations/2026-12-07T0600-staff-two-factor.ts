import type { Kysely } from 'kysely';
import { binary } from './dialect.js';

/**
 * Staff two-factor sign-in (TOTP) and its recovery codes:
 * - `staff_two_factor`: one row per staff member who started enrolment. The shared secret is sealed (AES-256-GCM
 *   record) under a data key of its own in `conversation_keys` (id `totp:<userId>`), so a database dump alone
 *   cannot mint codes and removing the key shreds it. `enabled_at` is null until a first code confirmed it;
 *   `last_step` is the highest 30-second step accepted, so a code is never accepted twice.
 * - `staff_recovery_codes`: SHA-256 of each single-use recovery code (high-entropy random text, so a plain hash
 *   is enough), `used_at` set atomically when spent.
 * Both cascade with the user row.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('staff_two_factor')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('secret', binary(db), (c) => c.notNull())
    .addColumn('enabled_at', 'bigint')
    .addColumn('last_step', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('staff_recovery_codes')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('staff_recovery_codes_pk', ['user_id', 'code_hash'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('staff_recovery_codes').execute();
  await db.schema.dropTable('staff_two_factor').execute();
}
