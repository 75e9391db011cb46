import { DEFAULT_MIGRATION_TABLE, Migrator, sql, type MigrationResultSet } from 'kysely';
import type { Db } from './database.js';
import { migrations } from './migrations/index.js';

function migrator(db: Db): Migrator {
  // Migrations speak snake_case SQL themselves, so they run without the CamelCasePlugin.
  return new Migrator({ db: db.withoutPlugins(), provider: { getMigrations: () => Promise.resolve(migrations) } });
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Applies every pending migration under the dialect's migration lock (a PostgreSQL advisory lock;
 * SQLite serialises on its single writer), so instances starting together migrate once.
 * Returns the names applied by this call.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const result: MigrationResultSet = await migrator(db).migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const cause = result.error instanceof Error ? result.error.message : String(result.error);
    throw new MigrationError(`Migration ${failed} failed: ${cause}`);
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of migrations not yet applied. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const all = await migrator(db).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/**
 * Names of migrations recorded in the database that this build does not know: a newer build migrated it. Code
 * older than its schema must not run on it (it would write rows the newer schema does not expect), whatever
 * MIGRATE_ON_START says.
 */
export async function unknownMigrations(db: Db): Promise<string[]> {
  const raw = db.withoutPlugins();
  const tables = await raw.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === DEFAULT_MIGRATION_TABLE)) return [];
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)}`.execute(raw);
  const known = new Set(Object.keys(migrations));
  return rows.map((r) => r.name).filter((name) => !known.has(name));
}

/** Refuses (one line, for the start and every CLI command) when the database is newer than this build. */
export async function assertNoUnknownMigrations(db: Db): Promise<void> {
  const unknown = await unknownMigrations(db);
  if (unknown.length === 0) return;
  throw new MigrationError(
    `The database was migrated by a newer build of Support Central (unknown migration${unknown.length > 1 ? 's' : ''} ` +
      `${unknown.join(', ')}): this build cannot run on it; deploy that newer build, or restore the backup taken ` +
      'before the upgrade',
  );
}
