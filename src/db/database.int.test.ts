import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { createTestDatabase, describeEachDialect, DIALECTS } from '../../test/harness/dialects.js';
import { startTcpProxy } from '../../test/harness/private-services.js';
import { spawnServer } from '../../test/harness/spawn-server.js';
import { startTestApp } from '../../test/harness/test-app.js';
import { createDb, type DatabaseHandle } from './database.js';
import { tryAcquireLock, withLock } from './lock.js';
import { migrateToLatest, pendingMigrations } from './migrate.js';
import { migrations } from './migrations/index.js';

const silent = createLogger('silent');

describeEachDialect('database layer', (dialect) => {
  let handle: DatabaseHandle;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const database = await createTestDatabase(dialect);
    drop = database.drop;
    handle = createDb(
      database.url.startsWith('sqlite:')
        ? { kind: 'sqlite', file: database.url.slice(7), synchronous: 'FULL' }
        : { kind: 'postgres', url: database.url, poolSize: 5 },
      silent,
    );
  });
  afterAll(async () => {
    await handle?.close();
    await drop?.();
  });

  it('migrates an empty database, then has nothing pending and applies nothing twice', async () => {
    expect(await pendingMigrations(handle.db)).toEqual(Object.keys(migrations));
    expect(await migrateToLatest(handle.db)).toEqual(Object.keys(migrations));
    expect(await pendingMigrations(handle.db)).toEqual([]);
    expect(await migrateToLatest(handle.db)).toEqual([]);
  });

  it('returns numbers, not strings, for bigint columns and counts', async () => {
    await handle.db.insertInto('locks').values({ name: 'n', owner: 'o', expiresAt: 1_795_000_000_123 }).execute();
    const row = await handle.db.selectFrom('locks').selectAll().where('name', '=', 'n').executeTakeFirstOrThrow();
    expect(row.expiresAt).toBe(1_795_000_000_123);
    const { n } = await handle.db
      .selectFrom('locks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(n).toBe(1);
    await handle.db.deleteFrom('locks').execute();
  });

  it('leaves no statement timeout behind on pooled connections after a readiness ping', async () => {
    await handle.ping(200);
    // Every pooled connection (five) must still run a query longer than the ping's timeout.
    const slow = dialect === 'postgres' ? sql`select pg_sleep(0.4)` : sql`select 1`;
    await Promise.all(Array.from({ length: 5 }, () => slow.execute(handle.db)));
  });

  it.runIf(dialect === 'sqlite')('keeps the SQLite files readable by their owner only', async () => {
    const database = await createTestDatabase('sqlite');
    const file = database.url.slice(7);
    const own = createDb({ kind: 'sqlite', file, synchronous: 'FULL' }, silent);
    await sql`create table t (x integer)`.execute(own.db);
    for (const f of [file, `${file}-wal`]) expect(statSync(f).mode & 0o077).toBe(0);
    await own.close();
    await database.drop();
  });

  it('gives a lease lock to one holder at a time and lets it be taken over when it expires', async () => {
    const clock = new ManualClock();
    const results = await Promise.all(Array.from({ length: 5 }, () => tryAcquireLock(handle.db, clock, 'job', 60_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await tryAcquireLock(handle.db, clock, 'job', 60_000)).toBeUndefined();
    clock.advance(60_001);
    const takeover = await tryAcquireLock(handle.db, clock, 'job', 60_000);
    expect(takeover).toBeDefined();
    await takeover!.release();
    const ran = await withLock(handle.db, clock, 'job', 1_000, async () => 42);
    expect(ran).toEqual({ ran: true, value: 42 });
  });
});

describe.skipIf(!DIALECTS.includes('postgres'))('PostgreSQL outages and concurrent starts', () => {
  it('two server processes starting at once against one empty PostgreSQL both become ready, migrating once', async () => {
    const database = await createTestDatabase('postgres');
    try {
      const env = { DATABASE_URL: database.url, DATA_DIR: database.dataDir };
      const [a, b] = await Promise.all([spawnServer(env), spawnServer(env)]);
      try {
        const handle = createDb({ kind: 'postgres', url: database.url, poolSize: 1 }, silent);
        const rows = await handle.db
          .withoutPlugins()
          .selectFrom('kysely_migration' as never)
          .selectAll()
          .execute();
        await handle.close();
        expect(rows).toHaveLength(Object.keys(migrations).length);
      } finally {
        await Promise.all([a.kill(), b.kill()]);
      }
    } finally {
      await database.drop();
    }
  });

  it('answers 503 database_unavailable while PostgreSQL is cut, and recovers by itself', async () => {
    const database = await createTestDatabase('postgres');
    const target = new URL(database.url);
    const proxy = await startTcpProxy(Number(target.port || 5432));
    const t = await startTestApp('postgres', {
      database,
      configure: (config) => {
        const via = new URL(database.url);
        via.port = String(proxy.port);
        return { ...config, database: { kind: 'postgres', url: via.toString(), poolSize: 3 } };
      },
    });
    try {
      const c = t.client();
      expect((await c.get('/readyz')).status).toBe(200);
      expect((await c.get('/api/settings/public')).status).toBe(200);

      proxy.cut();
      const ready = await c.get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.database).toBe('down');
      const failing = await c.get('/api/settings/public');
      expect(failing.status).toBe(503);
      expect(failing.body.error.code).toBe('database_unavailable');
      expect(failing.headers.get('retry-after')).toBe('1');

      proxy.restore();
      let recovered = false;
      for (let i = 0; i < 50 && !recovered; i++) {
        recovered = (await c.get('/readyz')).status === 200 && (await c.get('/api/settings/public')).status === 200;
        if (!recovered) await sleep(100);
      }
      expect(recovered).toBe(true);
    } finally {
      await t.stop();
      await proxy.close();
      await database.drop();
    }
  });
});
