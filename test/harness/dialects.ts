import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import type { Dialect } from '../../src/db/database.js';
import { createPgDatabase, postgresAvailable } from './postgres.js';

/** A fresh, empty database of one dialect, as the environment variables a server would get. */
export interface TestDatabase {
  dialect: Dialect;
  /** DATABASE_URL for this database. */
  url: string;
  /** A data directory of its own (key file, uploads). */
  dataDir: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), `sc-${dialect}-`));
  if (dialect === 'sqlite') {
    return {
      dialect,
      url: `sqlite:${join(dataDir, 'support-central.db')}`,
      dataDir,
      async drop() {
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const pg = await createPgDatabase();
  return {
    dialect,
    url: pg.url,
    dataDir,
    async drop() {
      await pg.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const pgReady = await postgresAvailable();

/** The dialects this run covers: SQLite always, PostgreSQL when reachable (required in CI). */
export const DIALECTS: readonly Dialect[] = pgReady ? ['sqlite', 'postgres'] : ['sqlite'];

/**
 * Runs the same suite once per database dialect. Every integration suite uses this, so each rule is proven
 * on SQLite and on PostgreSQL.
 */
export function describeEachDialect(name: string, body: (dialect: Dialect) => void): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    describe.skipIf(!DIALECTS.includes(dialect))(`${name} [${dialect}]`, () => body(dialect));
  }
}
