import { sql, type Kysely } from 'kysely';

/**
 * Support hours: the weekly schedule (rows per weekday; a weekday without rows is closed), date overrides
 * (one per local date), and one state row that says whether hours were ever configured and serialises
 * schedule edits (every write bumps its version first, which takes the row lock on PostgreSQL and the write
 * lock on SQLite before anything is read).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('schedule_state')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('configured_at', 'bigint')
    .addColumn('updated_at', 'bigint')
    .addColumn('updated_by', 'text')
    .execute();
  await sql`insert into schedule_state (id, version) values (1, 0)`.execute(db);

  await db.schema
    .createTable('schedule_intervals')
    .addColumn('weekday', 'integer', (c) => c.notNull().check(sql`weekday between 1 and 7`))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('start_minute', 'integer', (c) => c.notNull().check(sql`start_minute >= 0 and start_minute < 1440`))
    .addColumn('end_minute', 'integer', (c) => c.notNull().check(sql`end_minute > 0 and end_minute <= 1440`))
    .addPrimaryKeyConstraint('schedule_intervals_pk', ['weekday', 'position'])
    .addCheckConstraint('schedule_intervals_not_empty', sql`start_minute <> end_minute`)
    .execute();

  await db.schema
    .createTable('schedule_overrides')
    // Local date in the support timezone, YYYY-MM-DD: one override per date.
    .addColumn('date', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('closed', 'hours')`))
    // JSON array of {start, end} in minutes since local midnight.
    .addColumn('intervals', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('schedule_overrides').execute();
  await db.schema.dropTable('schedule_intervals').execute();
  await db.schema.dropTable('schedule_state').execute();
}
