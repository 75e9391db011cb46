import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PG_ADMIN_URL, requireDependency } from './environment.js';

async function canConnect(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let availability: Promise<boolean> | undefined;

/** Whether the shared PostgreSQL answers; decided once per test file. */
export function postgresAvailable(): Promise<boolean> {
  availability ??= canConnect(PG_ADMIN_URL).then((problem) =>
    requireDependency('PostgreSQL', problem === undefined, `${PG_ADMIN_URL}: ${problem ?? ''}`),
  );
  return availability;
}

export interface TestPgDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A brand-new, empty database on the shared server, dropped by `drop()`. */
export async function createPgDatabase(): Promise<TestPgDatabase> {
  const name = `sc_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
