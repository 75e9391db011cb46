import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { MessageView } from '../shared/conversations.js';
import { createTestDatabase, DIALECTS } from '../../test/harness/dialects.js';
import { createUserFromDb } from '../../test/harness/direct-users.js';
import { PASSWORD } from '../../test/harness/factories.js';
import { HttpClient } from '../../test/harness/http-client.js';
import { redisServerAvailable, startPrivateRedis } from '../../test/harness/private-services.js';
import { connected, socketClient } from '../../test/harness/sockets.js';
import { spawnServer } from '../../test/harness/spawn-server.js';

const runnable = DIALECTS.includes('postgres') && (await redisServerAvailable());

/** A visitor client that keeps messages by sequence and, unless told not to, resyncs when the server asks. */
function visitorView(socket: Socket, conversationId: string, honourResync: boolean) {
  const seen = new Map<number, MessageView>();
  let resyncs = 0;
  const sync = async () => {
    const after = Math.max(0, ...seen.keys());
    const r = await socket.emitWithAck('conversation:sync', { conversationId, after, limit: 500 });
    for (const m of r.messages as MessageView[]) seen.set(m.seq, m);
  };
  socket.on('message:new', ({ message }: { message: MessageView }) => {
    if (message.conversationId === conversationId) seen.set(message.seq, message);
  });
  socket.on('resync', () => {
    resyncs += 1;
    if (honourResync) void sync();
  });
  return { seen, sync, resyncs: () => resyncs };
}

describe.skipIf(!runnable)('several instances: PostgreSQL + Redis, separate processes', () => {
  async function twoInstances() {
    const database = await createTestDatabase('postgres');
    const redis = await startPrivateRedis();
    const env = {
      DATABASE_URL: database.url,
      DATA_DIR: database.dataDir,
      REDIS_URL: redis.url,
      PASSWORD_HASH_MEMORY_KIB: '1024',
      PASSWORD_HASH_TIME_COST: '1',
      LIMIT_MESSAGES_PER_10_SECONDS: '1000',
    };
    const a = await spawnServer(env);
    const b = await spawnServer(env);
    const agent = await createUserFromDb(database.url, 'agent');
    const staff = new HttpClient(b.url);
    await staff.post('/api/staff/login', { login: agent.username, password: PASSWORD });
    const visitor = new HttpClient(a.url);
    await visitor.post('/api/visitor/session', {});
    const start = await visitor.post('/api/conversations', {
      displayName: 'Vera Visitor',
      text: 'Hello from instance A, please help.',
    });
    const conversationId: string = start.body.conversation.id;
    await staff.post(`/api/staff/conversations/${conversationId}/join`);
    return {
      database,
      redis,
      a,
      b,
      staff,
      visitor,
      conversationId,
      async close() {
        await Promise.all([a.kill(), b.kill()]);
        await redis.stop();
        await database.drop();
      },
    };
  }

  it('a visitor on instance A and an agent on instance B converse live', async () => {
    const env = await twoInstances();
    try {
      const v = socketClient(env.a.url, '/visitor', { cookie: env.visitor.cookieHeader() });
      const s = socketClient(env.b.url, '/staff', { cookie: env.staff.cookieHeader() });
      await Promise.all([connected(v), connected(s)]);
      await s.emitWithAck('conversation:subscribe', { conversationId: env.conversationId });
      const atVisitor = new Promise<MessageView>((resolve) =>
        v.on('message:new', ({ message }) => message.kind === 'text' && resolve(message)),
      );
      await s.emitWithAck('message:send', {
        conversationId: env.conversationId,
        clientMsgId: randomUUID(),
        text: 'Hi from instance B',
      });
      expect((await atVisitor).text).toBe('Hi from instance B');
      const atAgent = new Promise<MessageView>((resolve) =>
        s.on('message:new', ({ message }) => message.author.type === 'visitor' && resolve(message)),
      );
      await v.emitWithAck('message:send', {
        conversationId: env.conversationId,
        clientMsgId: randomUUID(),
        text: 'Thanks, B!',
      });
      expect((await atAgent).text).toBe('Thanks, B!');
      v.close();
      s.close();
    } finally {
      await env.close();
    }
  });

  async function redisRestartScenario(honourResync: boolean) {
    const env = await twoInstances();
    try {
      const v = socketClient(env.a.url, '/visitor', { cookie: env.visitor.cookieHeader() });
      const s = socketClient(env.b.url, '/staff', { cookie: env.staff.cookieHeader() });
      await Promise.all([connected(v), connected(s)]);
      const view = visitorView(v, env.conversationId, honourResync);
      await view.sync();
      const acked: number[] = [];
      const send = async (text: string) => {
        const r = await s.emitWithAck('message:send', {
          conversationId: env.conversationId,
          clientMsgId: randomUUID(),
          text,
        });
        expect(r.ok).toBe(true);
        acked.push(r.message.publicSeq as number);
      };
      await send('before the outage');
      await expect.poll(() => view.seen.size).toBe(acked.length + 2);

      // Redis goes away: instance B keeps committing (and acknowledging) its agent's messages.
      await env.redis.stop();
      await sleep(300);
      for (let i = 0; i < 5; i++) await send(`during the outage ${i}`);
      await env.redis.restart();
      // Both instances reconnect; clients are told to resync; a client that resyncs holds everything.
      await sleep(4_000);
      const publicSeqs = [...view.seen.keys()].sort((x, y) => x - y);
      v.close();
      s.close();
      return { acked, publicSeqs, resyncs: view.resyncs() };
    } finally {
      await env.close();
    }
  }

  it('after a Redis restart mid-conversation, clients are told to resync and no acknowledged message is lost', async () => {
    const { acked, publicSeqs, resyncs } = await redisRestartScenario(true);
    expect(resyncs).toBeGreaterThan(0);
    for (const seq of acked) expect(publicSeqs).toContain(seq);
    expect(publicSeqs).toEqual(publicSeqs.map((_, i) => i + 1));
  });

  it('negative control: a client that ignores the resync misses the messages sent during the outage', async () => {
    const { acked, publicSeqs, resyncs } = await redisRestartScenario(false);
    expect(resyncs).toBeGreaterThan(0);
    const missing = acked.filter((seq) => !publicSeqs.includes(seq));
    expect(missing.length).toBeGreaterThan(0);
  });
});
