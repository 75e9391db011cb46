import { sql } from 'kysely';
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
