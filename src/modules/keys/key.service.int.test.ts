import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/config.js';
import { newId } from '../../core/ids.js';
import { inTransaction } from '../../db/transaction.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../../../test/harness/dialects.js';
import { redisServerAvailable, startPrivateRedis, type PrivateRedis } from '../../../test/harness/private-services.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';
import { KEY_FILE_NAME } from './key-file.js';
import { rewrapConversationKey } from './key.repository.js';
import { KeyService } from './key.service.js';
import { DecryptionError, openRecord, recordKeyId } from './record-cipher.js';

const ring = (...keys: [string, Buffer][]) => keys.map(([id, key]) => `${id}:${key.toString('base64')}`).join(',');
const aadOf = (conversationId: string, n = 1) => `msg:${conversationId}:m${n}`;

/** Creates `n` conversations' data keys in one transaction and seals one record in each. */
async function seedConversations(t: TestApp, n: number): Promise<Map<string, Buffer>> {
  const ids = Array.from({ length: n }, () => newId());
  const keys = t.ctx.services.keys;
  await inTransaction(t.ctx.db, t.ctx.bus, async ({ trx }) => {
    for (const id of ids) await keys.createDataKey(trx, id);
  });
  const records = new Map<string, Buffer>();
  for (const id of ids) records.set(id, await keys.encryptFor(id, `secret of ${id}`, aadOf(id)));
  return records;
}

/** Every record opens on a fresh app (cold cache: data keys are unwrapped from the database). */
async function expectAllReadable(t: TestApp, records: Map<string, Buffer>): Promise<void> {
  for (const [id, record] of records) {
    expect((await t.ctx.services.keys.decryptFor(id, record, aadOf(id))).toString()).toBe(`secret of ${id}`);
  }
}

async function keysByMaster(t: TestApp): Promise<Record<string, number>> {
  const rows = await t.ctx.db.selectFrom('conversationKeys').select('masterKeyId').execute();
  const out: Record<string, number> = {};
  for (const row of rows) out[row.masterKeyId] = (out[row.masterKeyId] ?? 0) + 1;
  return out;
}

/** A KeyService with an empty cache over the same app, as another instance would be. */
async function coldService(t: TestApp): Promise<KeyService> {
  const service = new KeyService(t.ctx);
  await service.initialise();
  return service;
}

describeEachDialect('encryption at rest: data keys', (dialect) => {
  it('creates a data key per conversation, encrypts bound to the row, and fingerprints under a derived key', async () => {
    const t = await startTestApp(dialect);
    try {
      const keys = t.ctx.services.keys;
      const [a, b] = [...(await seedConversations(t, 2)).keys()] as [string, string];
      const record = await keys.encryptFor(a, 'hello there', aadOf(a));
      expect(recordKeyId(record)).toBe('dk1');
      expect((await keys.decryptFor(a, record, aadOf(a))).toString()).toBe('hello there');

      // Stored: wrapped under the active master key, never the data key itself.
      const row = await t.ctx.db
        .selectFrom('conversationKeys')
        .selectAll()
        .where('conversationId', '=', a)
        .executeTakeFirstOrThrow();
      expect(row.masterKeyId).toBe(keys.activeKeyId);
      expect(Buffer.isBuffer(row.wrappedKey)).toBe(true);
      expect(recordKeyId(row.wrappedKey)).toBe(keys.activeKeyId);
      expect(row.createdAt).toBeGreaterThan(0);
      expect(row.rotatedAt).toBeNull();

      // Another message's associated data, or another conversation's key: tampered, logged without content.
      await expect(keys.decryptFor(a, record, aadOf(a, 2))).rejects.toMatchObject({
        code: 'decryption_failed',
        reason: 'tampered',
      });
      await expect(keys.decryptFor(b, record, aadOf(a))).rejects.toBeInstanceOf(DecryptionError);
      const logged = t.logs.filter((l) => l.includes('"reason":"tampered"'));
      expect(logged.some((l) => l.includes(a))).toBe(true);
      expect(logged.some((l) => l.includes(b))).toBe(true);
      expect(t.logs.join('\n')).not.toContain('hello there');

      // A cold instance unwraps the data key from the database.
      const cold = await coldService(t);
      expect((await cold.decryptFor(a, record, aadOf(a))).toString()).toBe('hello there');

      const fingerprint = await keys.fingerprint(a, 'file bytes');
      expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(await cold.fingerprint(a, Buffer.from('file bytes'))).toBe(fingerprint);
      expect(await keys.fingerprint(b, 'file bytes')).not.toBe(fingerprint);
      expect(fingerprint).not.toBe(createHash('sha256').update('file bytes').digest('hex'));

      await expect(inTransaction(t.ctx.db, t.ctx.bus, ({ trx }) => keys.createDataKey(trx, a))).rejects.toThrow(
        /already has a data key/,
      );
      await expect(keys.encryptFor(newId(), 'x', 'msg:x:y')).rejects.toThrow(/has no data key/);
    } finally {
      await t.stop();
    }
  });

  it('fails closed when a stored data key was tampered with or moved to another row', async () => {
    const t = await startTestApp(dialect);
    try {
      const records = await seedConversations(t, 4);
      // The first key in id order stays intact: the start check samples a few rows and needs one that opens.
      const [, a, b, c] = [...records.keys()].sort() as [string, string, string, string];
      const rowOf = (id: string) =>
        t.ctx.db.selectFrom('conversationKeys').selectAll().where('conversationId', '=', id).executeTakeFirstOrThrow();
      const [rowA, rowB, rowC] = [await rowOf(a), await rowOf(b), await rowOf(c)];
      // Swap a's and b's wrapped keys; flip one byte of c's.
      await t.ctx.db
        .updateTable('conversationKeys')
        .set({ wrappedKey: rowB.wrappedKey })
        .where('conversationId', '=', a)
        .execute();
      await t.ctx.db
        .updateTable('conversationKeys')
        .set({ wrappedKey: rowA.wrappedKey })
        .where('conversationId', '=', b)
        .execute();
      const flipped = Buffer.from(rowC.wrappedKey);
      flipped[flipped.length - 20]! ^= 1;
      await t.ctx.db
        .updateTable('conversationKeys')
        .set({ wrappedKey: flipped })
        .where('conversationId', '=', c)
        .execute();

      const cold = await coldService(t);
      for (const id of [a, b, c]) {
        await expect(cold.decryptFor(id, records.get(id)!, aadOf(id))).rejects.toMatchObject({ reason: 'tampered' });
        expect(t.logs.some((l) => l.includes(id) && l.includes('data key failed to unwrap'))).toBe(true);
      }
    } finally {
      await t.stop();
    }
  });

  it('shred deletes the data key after commit: content is unrecoverable and fails closed with a code', async () => {
    const t = await startTestApp(dialect);
    try {
      const keys = t.ctx.services.keys;
      const records = await seedConversations(t, 2);
      const [a, b] = [...records.keys()] as [string, string];
      await expectAllReadable(t, records); // a's key is now cached

      // A shred that rolls back changes nothing.
      await expect(
        inTransaction(t.ctx.db, t.ctx.bus, async (uow) => {
          await keys.shred(uow, a);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      await expectAllReadable(t, records);

      expect(await inTransaction(t.ctx.db, t.ctx.bus, (uow) => keys.shred(uow, a))).toBe(true);
      await expect(keys.decryptFor(a, records.get(a)!, aadOf(a))).rejects.toMatchObject({
        code: 'decryption_failed',
        status: 500,
        reason: 'unknown_key',
      });
      await expect(keys.encryptFor(a, 'more', aadOf(a, 2))).rejects.toThrow(/has no data key/);
      await expect((await coldService(t)).decryptFor(a, records.get(a)!, aadOf(a))).rejects.toMatchObject({
        reason: 'unknown_key',
      });
      expect(
        await t.ctx.db
          .selectFrom('conversationKeys')
          .select('conversationId')
          .where('conversationId', '=', a)
          .execute(),
      ).toEqual([]);
      expect(t.logs.some((l) => l.includes(a) && l.includes('"reason":"unknown_key"'))).toBe(true);
      // The other conversation is untouched; shredding twice is harmless.
      expect((await keys.decryptFor(b, records.get(b)!, aadOf(b))).toString()).toBe(`secret of ${b}`);
      expect(await inTransaction(t.ctx.db, t.ctx.bus, (uow) => keys.shred(uow, a))).toBe(false);
    } finally {
      await t.stop();
    }
  });

  it('rotate-keys re-wraps under the new key; then the old key can leave the ring and everything still reads', async () => {
    const database = await createTestDatabase(dialect);
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    try {
      const first = await startTestApp(dialect, { database, env: { ENCRYPTION_KEYS: ring(['old', oldKey]) } });
      const records = await seedConversations(first, 7);
      await first.stop();

      // Dropping the old key before rotating is refused, naming the missing key id (never a key).
      await expect(
        startTestApp(dialect, { database, env: { ENCRYPTION_KEYS: ring(['new', newKey]) } }),
      ).rejects.toThrow(/missing for existing data: .*master key "old", which ENCRYPTION_KEYS does not contain/);

      const second = await startTestApp(dialect, {
        database,
        env: { ENCRYPTION_KEYS: ring(['new', newKey], ['old', oldKey]) },
      });
      for (const [id, record] of await seedConversations(second, 1)) records.set(id, record);
      expect(await keysByMaster(second)).toEqual({ old: 7, new: 1 });
      await expectAllReadable(second, records);
      const progress: number[] = [];
      const result = await second.ctx.services.keys.rotate({
        batchSize: 3,
        onProgress: (p) => progress.push(p.rewrapped),
      });
      expect(result).toEqual({ activeKeyId: 'new', total: 7, rewrapped: 7, alreadyCurrent: 1, skipped: 0, failed: 0 });
      expect(progress).toEqual([3, 6, 7]);
      expect(await keysByMaster(second)).toEqual({ new: 8 });
      const rotated = await second.ctx.db.selectFrom('conversationKeys').select('rotatedAt').execute();
      expect(rotated.filter((r) => r.rotatedAt !== null)).toHaveLength(7);
      // Idempotent: a second run changes nothing.
      expect(await second.ctx.services.keys.rotate({ batchSize: 3 })).toMatchObject({
        rewrapped: 0,
        alreadyCurrent: 8,
      });
      await second.stop();

      const third = await startTestApp(dialect, { database, env: { ENCRYPTION_KEYS: ring(['new', newKey]) } });
      try {
        await expectAllReadable(third, records); // the content records themselves were never re-encrypted
        expect(existsSync(join(database.dataDir, KEY_FILE_NAME))).toBe(false);
        expect(third.logs.join('\n')).not.toContain(newKey.toString('base64'));
      } finally {
        await third.stop();
      }
    } finally {
      await database.drop();
    }
  });

  it('an interrupted rotation leaves everything readable, and a rerun finishes it with the right counts', async () => {
    const database = await createTestDatabase(dialect);
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const both = { ENCRYPTION_KEYS: ring(['new', newKey], ['old', oldKey]) };
    try {
      const first = await startTestApp(dialect, { database, env: { ENCRYPTION_KEYS: ring(['old', oldKey]) } });
      const records = await seedConversations(first, 10);
      await first.stop();

      const second = await startTestApp(dialect, { database, env: both });
      // Killed after the first batch (an exception), then aborted after the next one (a signal).
      await expect(
        second.ctx.services.keys.rotate({
          batchSize: 4,
          onProgress: () => {
            throw new Error('killed');
          },
        }),
      ).rejects.toThrow('killed');
      expect(await keysByMaster(second)).toEqual({ new: 4, old: 6 });
      const controller = new AbortController();
      await expect(
        second.ctx.services.keys.rotate({
          batchSize: 4,
          signal: controller.signal,
          onProgress: () => controller.abort(),
        }),
      ).rejects.toThrow();
      expect(await keysByMaster(second)).toEqual({ new: 8, old: 2 });
      await second.stop();

      const third = await startTestApp(dialect, { database, env: both });
      await expectAllReadable(third, records);
      expect(await third.ctx.services.keys.rotate({ batchSize: 4 })).toEqual({
        activeKeyId: 'new',
        total: 2,
        rewrapped: 2,
        alreadyCurrent: 8,
        skipped: 0,
        failed: 0,
      });
      expect(await third.ctx.services.keys.rotate({ batchSize: 4 })).toMatchObject({
        total: 0,
        rewrapped: 0,
        alreadyCurrent: 10,
      });
      await third.stop();

      const fourth = await startTestApp(dialect, { database, env: { ENCRYPTION_KEYS: ring(['new', newKey]) } });
      try {
        await expectAllReadable(fourth, records);
      } finally {
        await fourth.stop();
      }
    } finally {
      await database.drop();
    }
  });

  it('rotation reports data keys it cannot unwrap and leaves them; its guarded write never overwrites a newer wrap', async () => {
    const database = await createTestDatabase(dialect);
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    try {
      const first = await startTestApp(dialect, { database, env: { ENCRYPTION_KEYS: ring(['old', oldKey]) } });
      const [a, b] = [...(await seedConversations(first, 4)).keys()] as [string, string];
      await first.stop();

      const t = await startTestApp(dialect, {
        database,
        env: { ENCRYPTION_KEYS: ring(['new', newKey], ['old', oldKey]) },
      });
      try {
        const rowOf = (id: string) =>
          t.ctx.db
            .selectFrom('conversationKeys')
            .selectAll()
            .where('conversationId', '=', id)
            .executeTakeFirstOrThrow();
        const broken = Buffer.from((await rowOf(a)).wrappedKey);
        broken[broken.length - 1]! ^= 1;
        await t.ctx.db
          .updateTable('conversationKeys')
          .set({ wrappedKey: broken })
          .where('conversationId', '=', a)
          .execute();

        const result = await t.ctx.services.keys.rotate({ batchSize: 10 });
        expect(result).toMatchObject({ total: 4, rewrapped: 3, failed: 1, skipped: 0 });
        expect(t.logs.some((l) => l.includes(a) && l.includes('"reason":"tampered"'))).toBe(true);
        expect(await keysByMaster(t)).toEqual({ new: 3, old: 1 });
        expect((await rowOf(a)).wrappedKey.equals(broken)).toBe(true);

        // A run that read b under "old" before another run re-wrapped it: its write is refused by the guard.
        const current = await rowOf(b);
        const stale = await rewrapConversationKey(t.ctx.db, {
          conversationId: b,
          fromMasterKeyId: 'old',
          toMasterKeyId: 'new',
          wrappedKey: randomBytes(60),
          at: 1,
        });
        expect(stale).toBe(false);
        expect((await rowOf(b)).wrappedKey.equals(current.wrappedKey)).toBe(true);
      } finally {
        await t.stop();
      }
    } finally {
      await database.drop();
    }
  });
});

describeEachDialect('encryption at rest: master keys at start', (dialect) => {
  it('generates a key file on first start (0600, logged), reuses it, and never generates one for existing data', async () => {
    const database = await createTestDatabase(dialect);
    const file = join(database.dataDir, KEY_FILE_NAME);
    try {
      rmSync(database.dataDir, { recursive: true, force: true }); // the data directory is created if needed
      const first = await startTestApp(dialect, { database });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const content = readFileSync(file, 'utf8');
      const keyLine = content.split('\n').find((l) => /^k\d{8}-[0-9a-f]{8}:/.test(l))!;
      expect(keyLine).toBeDefined();
      const generated = first.logs.filter((l) => l.includes('generated a new master encryption key'));
      expect(generated).toHaveLength(1);
      expect(generated[0]).toContain('"level":40');
      expect(generated[0]).toContain('back this file up');
      expect(generated[0]).toContain(file);
      expect(first.logs.join('\n')).not.toContain(keyLine.split(':')[1]!);
      const records = await seedConversations(first, 2);
      await first.stop();

      const second = await startTestApp(dialect, { database });
      expect(readFileSync(file, 'utf8')).toBe(content);
      expect(second.logs.some((l) => l.includes('generated a new master encryption key'))).toBe(false);
      expect(second.logs.some((l) => l.includes('encryption keys loaded') && l.includes('key-file'))).toBe(true);
      await expectAllReadable(second, records);
      await second.stop();

      // The key file is lost while the database holds wrapped keys: refuse, and do not generate a new one.
      rmSync(file);
      await expect(startTestApp(dialect, { database })).rejects.toThrow(
        /encryption keys are missing for existing data: the database holds data keys wrapped under master key "k\d{8}-[0-9a-f]{8}", but ENCRYPTION_KEYS is not set and .*encryption\.key does not exist/,
      );
      expect(existsSync(file)).toBe(false);

      // A key file with the right id but another key is refused too.
      const id = keyLine.split(':')[0]!;
      writeFileSync(file, `${id}:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
      await expect(startTestApp(dialect, { database })).rejects.toThrow(
        new RegExp(`master key "${id}" in the key file .* does not open the data keys stored under that id`),
      );
    } finally {
      await database.drop();
    }
  });

  it('refuses production without explicit ENCRYPTION_KEYS, before touching the data directory', async () => {
    const database = await createTestDatabase(dialect);
    try {
      const refusal = startTestApp(dialect, { database, env: { NODE_ENV: 'production' } });
      await expect(refusal).rejects.toBeInstanceOf(ConfigError);
      await expect(refusal).rejects.toThrow(/ENCRYPTION_KEYS is required when NODE_ENV=production/);
      expect(existsSync(join(database.dataDir, KEY_FILE_NAME))).toBe(false);
    } finally {
      await database.drop();
    }
  });

  it('never leaves a plaintext, a data key or a master key in the database files, the data directory or the logs', async () => {
    const database = await createTestDatabase(dialect);
    const master = randomBytes(32);
    const canary = `CANARY-${randomUUID()}`;
    const control = `CONTROL-${randomUUID()}`;
    const t = await startTestApp(dialect, { database, env: { ENCRYPTION_KEYS: ring(['k1', master]) } });
    try {
      const conversationId = newId();
      const keys = t.ctx.services.keys;
      await inTransaction(t.ctx.db, t.ctx.bus, ({ trx }) => keys.createDataKey(trx, conversationId));
      const record = await keys.encryptFor(conversationId, canary, aadOf(conversationId));
      expect((await keys.decryptFor(conversationId, record, aadOf(conversationId))).toString()).toBe(canary);
      // A stand-in for the messages table: the sealed record next to a plaintext control column.
      await sql`create table leak_probe (id text primary key, body ${sql.raw(dialect === 'postgres' ? 'bytea' : 'blob')} not null, note text not null)`.execute(
        t.ctx.db,
      );
      await sql`insert into leak_probe (id, body, note) values (${conversationId}, ${record}, ${control})`.execute(
        t.ctx.db,
      );
      const row = await t.ctx.db
        .selectFrom('conversationKeys')
        .selectAll()
        .where('conversationId', '=', conversationId)
        .executeTakeFirstOrThrow();
      const dataKey = openRecord(() => master, row.wrappedKey, `dk:${conversationId}`);
      const secrets: [string, Buffer][] = [
        ['canary (utf8)', Buffer.from(canary, 'utf8')],
        ['canary (utf16)', Buffer.from(canary, 'utf16le')],
        ['data key', dataKey],
        ['data key (base64)', Buffer.from(dataKey.toString('base64'))],
        ['master key', master],
        ['master key (base64)', Buffer.from(master.toString('base64'))],
      ];

      const scanDataDir = () => {
        const files = readdirSync(database.dataDir, { recursive: true, encoding: 'utf8' })
          .map((f) => join(database.dataDir, f))
          .filter((f) => statSync(f).isFile());
        const all = Buffer.concat(files.map((f) => readFileSync(f)));
        for (const [name, bytes] of secrets) expect(all.includes(bytes), `${name} on disk`).toBe(false);
        expect(files.some((f) => f.includes(canary))).toBe(false);
        return { files, all };
      };

      if (dialect === 'sqlite') {
        // While running (the write sits in the -wal file) and after a clean stop (checkpointed into the main file).
        const running = scanDataDir();
        expect(running.files.some((f) => f.endsWith('-wal'))).toBe(true);
        expect(running.all.includes(Buffer.from(control)), 'the scan sees what was written').toBe(true);
      } else {
        const count = async (query: ReturnType<typeof sql<{ n: number }>>) =>
          Number((await query.execute(t.ctx.db)).rows[0]!.n);
        for (const [name, bytes] of secrets) {
          expect(
            await count(sql<{ n: number }>`select count(*) as n from leak_probe where position(${bytes} in body) > 0`),
            name,
          ).toBe(0);
          expect(
            await count(
              sql<{
                n: number;
              }>`select count(*) as n from conversation_keys where position(${bytes} in wrapped_key) > 0`,
            ),
            name,
          ).toBe(0);
        }
        expect(
          await count(
            sql<{
              n: number;
            }>`select count(*) as n from leak_probe where position(${Buffer.from(control)} in convert_to(note, 'UTF8')) > 0`,
          ),
        ).toBe(1);
        scanDataDir();
      }
      const logs = t.logs.join('\n');
      for (const text of [
        canary,
        master.toString('base64'),
        master.toString('hex'),
        dataKey.toString('base64'),
        dataKey.toString('hex'),
      ]) {
        expect(logs).not.toContain(text);
      }
    } finally {
      await t.stop();
    }
    try {
      if (dialect === 'sqlite') {
        const files = readdirSync(database.dataDir).map((f) => join(database.dataDir, f));
        const all = Buffer.concat(files.filter((f) => statSync(f).isFile()).map((f) => readFileSync(f)));
        expect(all.includes(Buffer.from(control))).toBe(true);
        expect(all.includes(Buffer.from(canary))).toBe(false);
      }
    } finally {
      await database.drop();
    }
  });
});

describe.skipIf(!(await redisServerAvailable()))('encryption at rest across instances', () => {
  let redis: PrivateRedis;
  let database: TestDatabase;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    database = await createTestDatabase('sqlite');
  });
  afterAll(async () => {
    await redis?.stop();
    await database?.drop();
  });

  it('a shred on one instance drops the data key cached by another', async () => {
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `keys${randomBytes(3).toString('hex')}` };
    const a = await startTestApp('sqlite', { database, env });
    const b = await startTestApp('sqlite', { database, env });
    try {
      // Both connected to Redis first: an event published during an outage is covered by resync, not delivery.
      for (let i = 0; i < 250 && (a.ctx.bus.status() !== 'ok' || b.ctx.bus.status() !== 'ok'); i++) await sleep(20);
      await sleep(100); // the subscription itself completes just after the connection is ready
      const records = await seedConversations(a, 1);
      const [id, record] = [...records][0]!;
      expect((await b.ctx.services.keys.decryptFor(id, record, aadOf(id))).toString()).toBe(`secret of ${id}`);
      await inTransaction(a.ctx.db, a.ctx.bus, (uow) => a.ctx.services.keys.shred(uow, id));
      let refused = false;
      for (let i = 0; i < 100 && !refused; i++) {
        refused = await b.ctx.services.keys.decryptFor(id, record, aadOf(id)).then(
          () => false,
          (err: unknown) => err instanceof DecryptionError && err.reason === 'unknown_key',
        );
        if (!refused) await sleep(20);
      }
      expect(refused).toBe(true);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
