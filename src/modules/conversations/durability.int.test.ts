import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { createLogger } from '../../core/logger.js';
import { createDb } from '../../db/database.js';
import {
  createTestDatabase,
  describeEachDialect,
  DIALECTS,
  type TestDatabase,
} from '../../../test/harness/dialects.js';
import { visitorWithConversation } from '../../../test/harness/factories.js';
import { HttpClient } from '../../../test/harness/http-client.js';
import { connected, socketClient } from '../../../test/harness/sockets.js';
import { spawnServer, type SpawnedServer } from '../../../test/harness/spawn-server.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';

const id = () => randomUUID();

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describeEachDialect('encryption at rest, end to end', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t?.stop());

  it('keeps a canary message out of the database files, the data directory and the logs', async () => {
    const canary = `canary-${randomBytes(8).toString('hex')}`;
    const c = await visitorWithConversation(t, `Please keep this secret: ${canary}`);
    await c.client.post(`/api/conversations/${c.conversationId}/messages`, {
      clientMsgId: id(),
      text: `again ${canary}`,
    });
    // It reads back as plaintext through the application…
    const history = await c.client.get(`/api/conversations/${c.conversationId}/messages`);
    expect(history.text).toContain(canary);
    // …and nowhere else.
    for (const file of filesUnder(t.database.dataDir)) {
      expect(readFileSync(file).includes(Buffer.from(canary)), `${file} holds the plaintext`).toBe(false);
    }
    expect(t.logs.join('\n')).not.toContain(canary);
    if (dialect === 'postgres') {
      const dump = execFileSync('pg_dump', ['--data-only', t.database.url], { maxBuffer: 64 * 1024 * 1024 });
      expect(dump.includes(Buffer.from(canary))).toBe(false);
      expect(dump.length).toBeGreaterThan(1000);
    } else {
      const files = filesUnder(t.database.dataDir).map((f) => f.split('/').pop());
      expect(files).toContain('support-central.db-wal');
    }
  });

  it('fails closed on a flipped byte or two swapped ciphertexts, and the other messages still read', async () => {
    const c = await visitorWithConversation(t, 'message one is here');
    for (const text of ['message two', 'message three', 'message four']) {
      await c.client.post(`/api/conversations/${c.conversationId}/messages`, { clientMsgId: id(), text });
    }
    const rows = await t.ctx.db
      .selectFrom('messages')
      .select(['id', 'seq', 'body'])
      .where('conversationId', '=', c.conversationId)
      .orderBy('seq')
      .execute();
    const flipped = Buffer.from(rows[1]!.body);
    flipped[flipped.length - 20] = flipped[flipped.length - 20]! ^ 0x01;
    await t.ctx.db.updateTable('messages').set({ body: flipped }).where('id', '=', rows[1]!.id).execute();
    await t.ctx.db.updateTable('messages').set({ body: rows[3]!.body }).where('id', '=', rows[2]!.id).execute();
    await t.ctx.db.updateTable('messages').set({ body: rows[2]!.body }).where('id', '=', rows[3]!.id).execute();

    const history = await c.client.get(`/api/conversations/${c.conversationId}/messages`);
    expect(history.status).toBe(200);
    const texts = history.body.messages.map(
      (m: { text: string | null; error?: { code: string } }) => m.text ?? m.error!.code,
    );
    expect(texts).toEqual(['message one is here', 'decryption_failed', 'decryption_failed', 'decryption_failed']);
    expect(history.text).not.toContain('message three');
    expect(t.logs.some((l) => l.includes('failed to decrypt'))).toBe(true);
  });
});

describe.skipIf(!DIALECTS.includes('postgres'))('two server processes, one PostgreSQL', () => {
  it('two start requests from one visitor at once (one to each process) make one conversation', async () => {
    const database = await createTestDatabase('postgres');
    const env = {
      DATABASE_URL: database.url,
      DATA_DIR: database.dataDir,
      LIMIT_CONVERSATIONS_PER_IP_PER_HOUR: '1000',
      LIMIT_VISITOR_SESSIONS_PER_IP_PER_HOUR: '1000',
    };
    // The key file is written by the first start; both processes share the data directory, as instances share keys.
    const a = await spawnServer(env);
    const b = await spawnServer(env);
    try {
      for (let round = 0; round < 5; round++) {
        const token = (await new HttpClient(a.url).post('/api/visitor/session', { transport: 'bearer' })).body.token;
        const body = { displayName: 'Racing Visitor', text: `Round ${round}: two tabs, one click.` };
        const [ra, rb] = await Promise.all([
          new HttpClient(a.url).withBearer(token).post('/api/conversations', body),
          new HttpClient(b.url).withBearer(token).post('/api/conversations', body),
        ]);
        expect([ra.status, rb.status].sort()).toEqual([201, 409]);
        const mine = await new HttpClient(b.url).withBearer(token).get('/api/conversations');
        expect(mine.body.conversations).toHaveLength(1);
      }
    } finally {
      await Promise.all([a.kill(), b.kill()]);
      await database.drop();
    }
  });
});

describeEachDialect('kill -9 during a burst of sends', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(() => database?.drop());

  it('every acknowledged message is stored exactly once, and every resumed client sees a gapless sequence', async () => {
    const env = {
      DATABASE_URL: database.url,
      DATA_DIR: database.dataDir,
      LIMIT_MESSAGES_PER_10_SECONDS: '100000',
      LIMIT_CONVERSATIONS_PER_IP_PER_HOUR: '1000',
      LIMIT_VISITOR_SESSIONS_PER_IP_PER_HOUR: '1000',
    };
    let server: SpawnedServer = await spawnServer(env);
    const clients: { token: string; conversationId: string; socket: Socket; acked: Map<string, number> }[] = [];
    for (let i = 0; i < 12; i++) {
      const http = new HttpClient(server.url);
      const token = (await http.post('/api/visitor/session', { transport: 'bearer' })).body.token;
      const start = await http
        .withBearer(token)
        .post('/api/conversations', { displayName: `Visitor ${i}`, text: `Conversation number ${i} starts.` });
      const socket = socketClient(server.url, '/visitor', { bearer: token });
      await connected(socket);
      clients.push({ token, conversationId: start.body.conversation.id, socket, acked: new Map() });
    }

    // Each client sends as fast as acks come back; the server is killed mid-burst.
    let stop = false;
    const loops = clients.map(async (c) => {
      for (let n = 0; !stop; n++) {
        const clientMsgId = id();
        try {
          const ack = await c.socket
            .timeout(2_000)
            .emitWithAck('message:send', { conversationId: c.conversationId, clientMsgId, text: `burst ${n}` });
          if (ack.ok) c.acked.set(clientMsgId, ack.message.seq);
        } catch {
          return; // no ack: the server is gone; unacknowledged sends may or may not be stored
        }
      }
    });
    await sleep(700);
    await server.kill('SIGKILL');
    stop = true;
    await Promise.all(loops);
    for (const c of clients) c.socket.close();
    const totalAcked = clients.reduce((n, c) => n + c.acked.size, 0);
    expect(totalAcked).toBeGreaterThan(50);

    server = await spawnServer(env);
    try {
      // Straight from the database: each acked client id exactly once.
      const handle = createDb(
        dialect === 'sqlite'
          ? { kind: 'sqlite', file: database.url.slice(7), synchronous: 'FULL' }
          : { kind: 'postgres', url: database.url, poolSize: 2 },
        createLogger('silent'),
      );
      try {
        for (const c of clients) {
          const rows = await handle.db
            .selectFrom('messages')
            .select(['clientMsgId', 'seq'])
            .where('conversationId', '=', c.conversationId)
            .execute();
          const count = new Map<string, number>();
          for (const r of rows) if (r.clientMsgId) count.set(r.clientMsgId, (count.get(r.clientMsgId) ?? 0) + 1);
          for (const [clientMsgId, seq] of c.acked) {
            expect(count.get(clientMsgId)).toBe(1);
            expect(rows.find((r) => r.clientMsgId === clientMsgId)?.seq).toBe(seq);
          }
        }
      } finally {
        await handle.close();
      }
      // And through the restarted server: each client resumes from 0 and sees 1..n without a gap.
      for (const c of clients) {
        const socket = socketClient(server.url, '/visitor', { bearer: c.token });
        await connected(socket);
        const r = await socket.emitWithAck('conversation:sync', {
          conversationId: c.conversationId,
          after: 0,
          limit: 500,
        });
        const seqs = r.messages.map((m: { seq: number }) => m.seq);
        expect(seqs).toEqual(seqs.map((_: number, i: number) => i + 1));
        for (const seq of c.acked.values()) expect(seqs).toContain(seq);
        socket.close();
      }
      process.stdout.write(
        `[kill -9, ${dialect}] ${totalAcked} acknowledged messages from ${clients.length} clients all present exactly once after restart\n`,
      );
    } finally {
      await server.kill();
    }
  });
});

describeEachDialect('group commit', (dialect) => {
  it('writes 200 concurrent sends in far fewer transactions than messages', async () => {
    const t = await startTestApp(dialect);
    try {
      const conversations = await Promise.all(Array.from({ length: 20 }, () => visitorWithConversation(t)));
      const sockets = conversations.map((c) => socketClient(t.url, '/visitor', { cookie: c.client.cookieHeader() }));
      await Promise.all(sockets.map((s) => connected(s)));
      const before = { ...t.ctx.services.writer.stats };
      const started = performance.now();
      const acks = await Promise.all(
        conversations.flatMap((c, i) =>
          Array.from({ length: 10 }, (_, n) =>
            sockets[i]!.emitWithAck('message:send', {
              conversationId: c.conversationId,
              clientMsgId: id(),
              text: `concurrent ${n}`,
            }),
          ),
        ),
      );
      const ms = performance.now() - started;
      expect(acks.every((a) => a.ok)).toBe(true);
      const batches = t.ctx.services.writer.stats.batches - before.batches;
      const messages = t.ctx.services.writer.stats.messages - before.messages;
      expect(messages).toBe(200);
      expect(batches).toBeLessThan(messages);
      process.stdout.write(
        `[group commit, ${dialect}] 200 concurrent sends committed in ${batches} transactions (${ms.toFixed(0)} ms)\n`,
      );
      for (const s of sockets) s.close();
    } finally {
      await t.stop();
    }
  });
});
