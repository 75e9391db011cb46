import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { DeliveryChecker } from '../../../test/harness/delivery-checker.js';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import { createStaff, staffClient, visitorWithConversation } from '../../../test/harness/factories.js';
import type { HttpClient } from '../../../test/harness/http-client.js';
import { connected, nextEvent, socketClient } from '../../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';

const id = () => randomUUID();

async function idsOf(client: HttpClient, path: string): Promise<string[]> {
  const ids: string[] = [];
  let after = 0;
  for (;;) {
    const page = (await client.get(`${path}?after=${after}&limit=500`)).body;
    ids.push(...page.messages.map((m: { id: string }) => m.id));
    if (!page.hasMore) return ids;
    after = page.messages[page.messages.length - 1].seq;
  }
}

describeEachDialect('real-time delivery', (dialect) => {
  let t: TestApp;
  let agentHttp: HttpClient;
  const sockets: Socket[] = [];
  const open = (url: string, ns: string, cookie: string) => {
    const s = socketClient(url, ns, { cookie });
    sockets.push(s);
    return s;
  };
  beforeAll(async () => {
    t = await startTestApp(dialect);
    agentHttp = await staffClient(t, await createStaff(t, 'agent'));
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await t?.stop();
  });

  it('delivers every acknowledged message once, in one order, to every participant, and resumes exactly what was missed', async () => {
    const checker = new DeliveryChecker();
    const a = await visitorWithConversation(t, 'First conversation, first message.');
    const b = await visitorWithConversation(t, 'Second conversation, first message.');
    for (const c of [a, b]) await agentHttp.post(`/api/staff/conversations/${c.conversationId}/join`);

    const va = checker.track('visitor A', open(t.url, '/visitor', a.client.cookieHeader()), [a.conversationId]);
    const vb = checker.track('visitor B', open(t.url, '/visitor', b.client.cookieHeader()), [b.conversationId]);
    const ag = checker.track(
      'agent',
      open(t.url, '/staff', agentHttp.cookieHeader()),
      [a.conversationId, b.conversationId],
      'staff',
    );
    await Promise.all([va, vb, ag].map((c) => connected(c.socket)));
    for (const c of [a, b]) await checker.resume(ag, c.conversationId);
    await checker.resume(va, a.conversationId);
    await checker.resume(vb, b.conversationId);

    // Both sides send concurrently, notes included.
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 15; i++) {
      sends.push(checker.send(va, a.conversationId, id(), `A visitor ${i}`));
      sends.push(checker.send(vb, b.conversationId, id(), `B visitor ${i}`));
      sends.push(checker.send(ag, a.conversationId, id(), `agent to A ${i}`, i % 5 === 0 ? { note: true } : {}));
      sends.push(checker.send(ag, b.conversationId, id(), `agent to B ${i}`));
    }
    await Promise.all(sends);
    // Acks reach their senders' sockets; the burst's last frames to B travel on B's own socket and, on a loaded
    // machine, may still be in flight: let B hold everything before it drops off, so "missed" is exactly 5.
    const { lastSeq } = (await b.client.get(`/api/conversations/${b.conversationId}`)).body;
    await expect.poll(() => vb.lastSeq(b.conversationId)).toBe(lastSeq);

    // Visitor B holds everything so far (live frames may trail the acks under load), then drops off, misses
    // messages, and comes back: the resume must replay exactly the missed ones.
    const heldSoFar = (await idsOf(b.client, `/api/conversations/${b.conversationId}/messages`)).length;
    await expect.poll(() => vb.lastSeq(b.conversationId), { timeout: 10_000 }).toBe(heldSoFar);
    vb.socket.disconnect();
    for (let i = 0; i < 5; i++) await checker.send(ag, b.conversationId, id(), `while B was away ${i}`);
    vb.socket.connect();
    await connected(vb.socket);
    const replayed = await checker.resume(vb, b.conversationId);
    expect(replayed).toBe(5);
    await sleep(200);

    const expected = new Map<string, string[]>();
    for (const c of [a, b]) {
      expected.set(
        `public:${c.conversationId}`,
        await idsOf(c.client, `/api/conversations/${c.conversationId}/messages`),
      );
      expected.set(
        `staff:${c.conversationId}`,
        await idsOf(agentHttp, `/api/staff/conversations/${c.conversationId}/messages`),
      );
    }
    expect(expected.get(`staff:${a.conversationId}`)!.length).toBeGreaterThan(
      expected.get(`public:${a.conversationId}`)!.length,
    );
    expect(checker.verify(expected)).toEqual([]);
  });

  it('never sends a note (or a sign of one) to the visitor', async () => {
    const c = await visitorWithConversation(t);
    await agentHttp.post(`/api/staff/conversations/${c.conversationId}/join`);
    const v = open(t.url, '/visitor', c.client.cookieHeader());
    await connected(v);
    const frames: unknown[] = [];
    v.onAny((event, payload) => frames.push({ event, payload }));
    await agentHttp.post(`/api/staff/conversations/${c.conversationId}/messages`, {
      clientMsgId: id(),
      text: 'secret-note-canary',
      note: true,
    });
    await agentHttp.post(`/api/staff/conversations/${c.conversationId}/messages`, {
      clientMsgId: id(),
      text: 'public reply',
    });
    await sleep(300);
    expect(JSON.stringify(frames)).not.toContain('secret-note-canary');
    const seqs = frames.filter((f: any) => f.event === 'message:new').map((f: any) => f.payload.message.seq);
    expect(seqs).toEqual([3]); // 1 first message, 2 join line, 3 the reply: no gap where the note was
  });

  it('refuses to sync or send to someone else’s conversation, exactly like a missing one', async () => {
    const a = await visitorWithConversation(t);
    const b = await visitorWithConversation(t);
    const s = open(t.url, '/visitor', b.client.cookieHeader());
    await connected(s);
    const foreign = await s.emitWithAck('conversation:sync', { conversationId: a.conversationId, after: 0 });
    const missing = await s.emitWithAck('conversation:sync', { conversationId: id(), after: 0 });
    expect(foreign).toEqual(missing);
    expect(foreign.error.code).toBe('not_found');
    const send = await s.emitWithAck('message:send', {
      conversationId: a.conversationId,
      clientMsgId: id(),
      text: 'hi',
    });
    expect(send.error.code).toBe('not_found');
  });

  it('answers bad resume requests with a clear error, never a leak or a gap', async () => {
    const c = await visitorWithConversation(t);
    const other = await visitorWithConversation(t);
    for (let i = 0; i < 3; i++)
      await other.client.post(`/api/conversations/${other.conversationId}/messages`, {
        clientMsgId: id(),
        text: `o${i}`,
      });
    const s = open(t.url, '/visitor', c.client.cookieHeader());
    await connected(s);
    const future = await s.emitWithAck('conversation:sync', { conversationId: c.conversationId, after: 1000 });
    expect(future.error).toMatchObject({ code: 'sequence_invalid', details: { lastSeq: 1 } });
    for (const after of [-1, 'abc', 1.5, null]) {
      const bad = await s.emitWithAck('conversation:sync', { conversationId: c.conversationId, after });
      expect(bad.error.code).toBe('validation_failed');
    }
    // Another conversation's sequence (4) is from the future here: refused, nothing of the other one leaks.
    const crossed = await s.emitWithAck('conversation:sync', { conversationId: c.conversationId, after: 4 });
    expect(crossed.error.code).toBe('sequence_invalid');
    const full = await s.emitWithAck('conversation:sync', { conversationId: c.conversationId, after: 0 });
    expect(full.messages.map((m: { seq: number }) => m.seq)).toEqual([1]);
  });

  it('ignores identity claims in socket payloads and reports unknown events', async () => {
    const c = await visitorWithConversation(t);
    const s = open(t.url, '/visitor', c.client.cookieHeader());
    await connected(s);
    const claim = await s.emitWithAck('message:send', {
      conversationId: c.conversationId,
      clientMsgId: id(),
      text: 'x',
      note: true,
      authorType: 'staff',
    });
    expect(claim.error.code).toBe('validation_failed');
    const unknown = nextEvent<{ code: string }>(s, 'app:error');
    s.emit('admin:deleteEverything', {});
    expect((await unknown).code).toBe('unknown_event');
    const ok = await s.emitWithAck('message:send', {
      conversationId: c.conversationId,
      clientMsgId: id(),
      text: 'still fine',
    });
    expect(ok.ok).toBe(true);
  });

  it('survives non-JSON frames: the offending connection closes, the server keeps serving', async () => {
    const raw = new WebSocket(`${t.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, {
      headers: { origin: t.url },
    });
    await new Promise<void>((resolve, reject) => {
      raw.once('open', () => resolve());
      raw.once('error', reject);
    });
    const closed = new Promise<void>((resolve) => raw.once('close', () => resolve()));
    raw.send('40/visitor,');
    raw.send('42/visitor,{not json at all');
    raw.send(Buffer.from([0xff, 0x00, 0x13]));
    await closed;
    expect((await t.client().get('/healthz')).status).toBe(200);
  });
});

describeEachDialect('message rate limits', (dialect) => {
  it('limits a visitor sending 200 messages in a second, with an error event, without affecting others', async () => {
    // Counts every refusal: the flood guard (which disconnects after SOCKET_FLOOD_REFUSALS) is tested on its own.
    const t = await startTestApp(dialect, {
      env: { LIMIT_MESSAGES_PER_10_SECONDS: '20', SOCKET_FLOOD_REFUSALS: '1000' },
    });
    try {
      const noisy = await visitorWithConversation(t);
      const calm = await visitorWithConversation(t);
      const s = socketClient(t.url, '/visitor', { cookie: noisy.client.cookieHeader() });
      await connected(s);
      const warned = nextEvent<{ code: string }>(s, 'app:error');
      const acks = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          s.emitWithAck('message:send', { conversationId: noisy.conversationId, clientMsgId: id(), text: `spam ${i}` }),
        ),
      );
      const ok = acks.filter((a) => a.ok).length;
      const limited = acks.filter((a) => a.error?.code === 'rate_limited').length;
      // 20 per 10 s, the first message of the start included.
      expect(ok).toBe(19);
      expect(limited).toBe(181);
      expect((await warned).code).toBe('rate_limited');
      const other = await calm.client.post(`/api/conversations/${calm.conversationId}/messages`, {
        clientMsgId: id(),
        text: 'I am fine',
      });
      expect(other.status).toBe(201);
      s.close();
    } finally {
      await t.stop();
    }
  });
});

describe('conversation updates reach every side', () => {
  it('tells the visitor at once when an agent joins and closes', async () => {
    const t = await startTestApp('sqlite');
    try {
      const c = await visitorWithConversation(t);
      const agent = await staffClient(t, await createStaff(t, 'agent', { firstName: 'Jo', lastName: 'Arden' }));
      const v = socketClient(t.url, '/visitor', { cookie: c.client.cookieHeader() });
      await connected(v);
      const joined = nextEvent<any>(v, 'conversation:updated');
      await agent.post(`/api/staff/conversations/${c.conversationId}/join`);
      expect((await joined).conversation).toMatchObject({ status: 'active', agents: [{ name: 'Jo Arden' }] });
      const closed = nextEvent<any>(v, 'conversation:updated');
      await agent.post(`/api/staff/conversations/${c.conversationId}/close`);
      expect((await closed).conversation).toMatchObject({ status: 'closed', closedBy: 'Jo Arden' });
      v.close();
    } finally {
      await t.stop();
    }
  });
});
