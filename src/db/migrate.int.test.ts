import { Migrator, sql, type Migration } from 'kysely';
import { createLogger } from '../core/logger.js';
import { createDb } from './database.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../../test/harness/dialects.js';
import { runCli } from '../../test/harness/run-cli.js';
import { spawnServer } from '../../test/harness/spawn-server.js';
import { startTestApp } from '../../test/harness/test-app.js';

const FUTURE = '2099-01-01T0000-from-a-newer-build';
const REFUSAL = new RegExp(`migrated by a newer build of Support Central \\(unknown migration ${FUTURE}\\)`);

describeEachDialect('a database migrated by a newer build', (dialect) => {
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    env = { DATABASE_URL: database.url, DATA_DIR: database.dataDir };
    // This build migrates it, then a "newer build" records a migration this one has never heard of.
    const t = await startTestApp(dialect, { database });
    await sql`insert into kysely_migration (name, timestamp) values (${FUTURE}, ${new Date().toISOString()})`.execute(
      t.ctx.db.withoutPlugins(),
    );
    await t.app.stop();
  });
  afterAll(() => database?.drop());

  it.each(['true', 'false'])('refuses to start with MIGRATE_ON_START=%s', async (migrateOnStart) => {
    await expect(startTestApp(dialect, { database, env: { MIGRATE_ON_START: migrateOnStart } })).rejects.toThrow(
      REFUSAL,
    );
  });

  it('the built server exits 1 with one clear line, and so do the CLI commands, `migrate` included', async () => {
    const server = await spawnServer({ ...env, MIGRATE_ON_START: 'false' }, { waitReady: false });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(new RegExp(`^Cannot start Support Central: .*${REFUSAL.source}`, 'm'));
    expect(server.output()).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
    for (const args of [['migrate'], ['migrate', '--status'], ['cleanup-chats', '--dry-run']]) {
      const r = await runCli(args, env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(REFUSAL);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describeEachDialect('a migration that fails half-way', (dialect) => {
  it('leaves the schema as it was: the pending migrations apply all together or not at all', async () => {
    const database = await createTestDatabase(dialect);
    const handle = createDb(
      dialect === 'sqlite'
        ? { kind: 'sqlite', file: database.url.slice('sqlite:'.length), synchronous: 'FULL' }
        : { kind: 'postgres', url: database.url, poolSize: 2 },
      createLogger('silent'),
    );
    try {
      const migrations: Record<string, Migration> = {
        '0001-creates-a-table': {
          up: async (db) => void (await db.schema.createTable('half_way').addColumn('id', 'text').execute()),
        },
        '0002-fails': {
          up: async (db) => {
            await db.schema.alterTable('half_way').addColumn('extra', 'text').execute();
            await sql`select * from a_table_that_does_not_exist`.execute(db);
          },
        },
      };
      const migrator = new Migrator({
        db: handle.db.withoutPlugins(),
        provider: { getMigrations: async () => migrations },
      });
      const result = await migrator.migrateToLatest();
      expect(result.error).toBeDefined();
      const tables = await handle.db.introspection.getTables();
      expect(tables.map((t) => t.name)).not.toContain('half_way');
      const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(
        handle.db.withoutPlugins(),
      );
      expect(applied.rows).toEqual([]);
    } finally {
      await handle.close();
      await database.drop();
    }
  });
});
