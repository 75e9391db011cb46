import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { IDLE_CLOSE_TASK } from '../../jobs/register-jobs.js';
import { createTestDatabase, describeEachDialect, DIALECTS } from '../../../test/harness/dialects.js';
import {
  createStaff,
  PASSWORD,
  registerCustomer,
  staffClient,
  visitorWithConversation,
} from '../../../test/harness/factories.js';
import { HttpClient } from '../../../test/harness/http-client.js';
import { createUserFromDb } from '../../../test/harness/direct-users.js';
import { connected, nextEvent, socketClient } from '../../../test/harness/sockets.js';
import { spawnServer } from '../../../test/harness/spawn-server.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';

const id = () => randomUUID();

describeEachDialect('agent desk', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let agent: HttpClient;
  let admin: HttpClient;
  let agentId: string;
  beforeAll(async () => {
    clock = new ManualClock(Date.now());
    t = await startTestApp(dialect, { clock });
    const a = await createStaff(t, 'agent', { firstName: 'Alex', lastName: 'Helper' });
    agentId = a.user.id;
    agent = await staffClient(t, a);
    admin = await staffClient(t, await createStaff(t, 'admin', { firstName: 'Ada', lastName: 'Lovelace' }));
  });
  afterAll(() => t?.stop());

  describe('queue and counters', () => {
    it('lists waiting conversations longest waiting first, with first words, and counts waiting, active and mine', async () => {
      const before = (await agent.get('/api/staff/queue')).body;
      const first = await visitorWithConversation(t, 'First in line: my password reset fails.', 'Una');
      clock.advance(1000);
      const second = await visitorWithConversation(t, 'Second in line, a billing question.', 'Dev');
      const queue = (await agent.get('/api/staff/queue')).body;
      const ours = queue.queue.filter((q: { id: string }) =>
        [first.conversationId, second.conversationId].includes(q.id),
      );
      expect(ours.map((q: { displayName: string }) => q.displayName)).toEqual(['Una', 'Dev']);
      expect(ours[0].firstWords).toBe('First in line: my password reset fails.');
      expect(queue.counters.waiting).toBe(before.counters.waiting + 2);

      await agent.post(`/api/staff/conversations/${first.conversationId}/join`);
      const after = (await agent.get('/api/staff/queue')).body;
      expect(after.counters.waiting).toBe(before.counters.waiting + 1);
      expect(after.counters.active).toBe(before.counters.active + 1);
      expect(after.counters.mine).toBe(before.counters.mine + 1);
      const mine = (await agent.get('/api/staff/conversations?scope=mine')).body.conversations;
      expect(mine.map((c: { id: string }) => c.id)).toContain(first.conversationId);
    });

    it('pushes the queue to agents and each waiting visitor its position, live', async () => {
      const staffSocket = socketClient(t.url, '/staff', { cookie: agent.cookieHeader() });
      await connected(staffSocket);
      await sleep(150);
      const pushed = nextEvent<{ queue: { id: string }[] }>(staffSocket, 'queue:updated');
      const a = await visitorWithConversation(t, 'Queue position test number one.');
      expect((await pushed).queue.map((q) => q.id)).toContain(a.conversationId);

      clock.advance(1000);
      const b = await visitorWithConversation(t, 'Queue position test number two.');
      const vb = socketClient(t.url, '/visitor', { cookie: b.client.cookieHeader() });
      const positions: number[] = [];
      vb.on('queue:position', (p: { conversationId: string; position: number }) => {
        if (p.conversationId === b.conversationId) positions.push(p.position);
      });
      await connected(vb);
      await expect.poll(() => positions.length).toBeGreaterThan(0);
      const start = positions.at(-1)!;
      expect(start).toBeGreaterThan(1);
      await agent.post(`/api/staff/conversations/${a.conversationId}/join`);
      await expect.poll(() => positions.at(-1)).toBe(start - 1);
      expect((await b.client.get(`/api/conversations/${b.conversationId}`)).body.queuePosition).toBe(start - 1);
      staffSocket.close();
      vb.close();
    });
  });

  describe('permissions', () => {
    it('holds the permission matrix: read any, write after joining, close by its agents or an admin', async () => {
      const c = await visitorWithConversation(t);
      const otherAgent = await staffClient(t, await createStaff(t, 'agent'));
      const send = (client: HttpClient) =>
        client.post(`/api/staff/conversations/${c.conversationId}/messages`, { clientMsgId: id(), text: 'hello' });
      // Everyone on staff reads.
      for (const s of [agent, otherAgent, admin])
        expect((await s.get(`/api/staff/conversations/${c.conversationId}/messages`)).status).toBe(200);
      // Nobody writes before joining, admins included.
      for (const s of [agent, admin]) expect((await send(s)).body.error.code).toBe('not_a_participant');
      await agent.post(`/api/staff/conversations/${c.conversationId}/join`);
      expect((await send(agent)).status).toBe(201);
      // Closing: not for an agent who is not in it; yes for an admin who is not in it.
      expect((await otherAgent.post(`/api/staff/conversations/${c.conversationId}/close`)).status).toBe(403);
      expect((await admin.post(`/api/staff/conversations/${c.conversationId}/close`)).body.status).toBe('closed');
      // Customers and visitors get nothing on the staff side.
      const { client: customer } = await registerCustomer(t);
      expect((await customer.get('/api/staff/queue')).status).toBe(403);
      expect((await c.client.get('/api/staff/queue')).status).toBe(403);
    });

    it('keeps agents off admin tools (403) and validates message-log filters', async () => {
      for (const path of ['/api/admin/message-logs', '/api/admin/topics'])
        expect((await agent.get(path)).status).toBe(403);
      expect((await agent.post('/api/admin/canned-replies', { title: 'x', shortcut: 'x', body: 'x' })).status).toBe(
        403,
      );
      const badSort = await admin.get('/api/admin/message-logs?sort=password_hash');
      expect(badSort.status).toBe(400);
      const badDir = await admin.get('/api/admin/message-logs?direction=sideways');
      expect(badDir.status).toBe(400);
      const sqlish = await admin.get(
        `/api/admin/message-logs?text=${encodeURIComponent("'; drop table messages; --")}&status=closed`,
      );
      expect(sqlish.status).toBe(200);
      expect(sqlish.body.entries).toEqual([]);
    });
  });

  describe('typing and read state', () => {
    it('shows typing to the other side, never a note being typed to the visitor', async () => {
      const c = await visitorWithConversation(t);
      await agent.post(`/api/staff/conversations/${c.conversationId}/join`);
      const v = socketClient(t.url, '/visitor', { cookie: c.client.cookieHeader() });
      const s = socketClient(t.url, '/staff', { cookie: agent.cookieHeader() });
      await Promise.all([connected(v), connected(s)]);
      await s.emitWithAck('conversation:subscribe', { conversationId: c.conversationId });
      const visitorFrames: { note: boolean; isTyping: boolean }[] = [];
      v.on('typing', (f) => visitorFrames.push(f));
      const staffSaw = nextEvent<{ who: { type: string }; isTyping: boolean }>(s, 'typing');
      await v.emitWithAck('typing', { conversationId: c.conversationId, isTyping: true });
      expect(await staffSaw).toMatchObject({ who: { type: 'visitor' }, isTyping: true });

      await s.emitWithAck('typing', { conversationId: c.conversationId, isTyping: true, note: true });
      await s.emitWithAck('typing', { conversationId: c.conversationId, isTyping: false, note: true });
      await sleep(1600);
      await s.emitWithAck('typing', { conversationId: c.conversationId, isTyping: true });
      await sleep(300);
      expect(visitorFrames).toEqual([expect.objectContaining({ isTyping: true, note: false })]);
      v.close();
      s.close();
    });

    it('lets nobody type or move read state where they may not write: an agent who never joined, a closed chat', async () => {
      const c = await visitorWithConversation(t);
      const v = socketClient(t.url, '/visitor', { cookie: c.client.cookieHeader() });
      const s = socketClient(t.url, '/staff', { cookie: agent.cookieHeader() });
      await Promise.all([connected(v), connected(s)]);
      const visitorFrames: unknown[] = [];
      v.on('typing', (f) => visitorFrames.push(f));
      // Every agent may read (and so follow) any conversation, but typing is writing: join first.
      await s.emitWithAck('conversation:subscribe', { conversationId: c.conversationId });
      const refused = await s.emitWithAck('typing', { conversationId: c.conversationId, isTyping: true });
      expect(refused.error.code).toBe('not_a_participant');
      const read = await s.emitWithAck('conversation:read', { conversationId: c.conversationId, seq: 1 });
      expect(read.error.code).toBe('not_a_participant');
      await sleep(300);
      expect(visitorFrames).toEqual([]);

      await agent.post(`/api/staff/conversations/${c.conversationId}/join`);
      const visitorSaw = nextEvent<{ who: { type: string } }>(v, 'typing');
      expect((await s.emitWithAck('typing', { conversationId: c.conversationId, isTyping: true })).ok).toBe(true);
      expect(await visitorSaw).toMatchObject({ who: { type: 'staff' } });

      // Closed: nobody types any more (the visitor may still read the transcript).
      await agent.post(`/api/staff/conversations/${c.conversationId}/close`);
      const late = await v.emitWithAck('typing', { conversationId: c.conversationId, isTyping: false });
      expect(late.error.code).toBe('conversation_closed');
      // Someone else's conversation is simply not there.
      const other = await visitorWithConversation(t);
      const foreign = await v.emitWithAck('typing', { conversationId: other.conversationId, isTyping: true });
      expect(foreign.error.code).toBe('not_found');
      v.close();
      s.close();
    });

    it('tracks read positions per side and unread counts for agents', async () => {
      const c = await visitorWithConversation(t);
      await agent.post(`/api/staff/conversations/${c.conversationId}/join`);
      await c.client.post(`/api/conversations/${c.conversationId}/messages`, {
        clientMsgId: id(),
        text: 'are you there?',
      });
      await c.client.post(`/api/conversations/${c.conversationId}/messages`, { clientMsgId: id(), text: 'hello??' });
      const mine = (await agent.get('/api/staff/conversations?scope=mine')).body.conversations.find(
        (x: { id: string }) => x.id === c.conversationId,
      );
      expect(mine.unread).toBe(4); // first message, join line, two more

      const v = socketClient(t.url, '/visitor', { cookie: c.client.cookieHeader() });
      const s = socketClient(t.url, '/staff', { cookie: agent.cookieHeader() });
      await Promise.all([connected(v), connected(s)]);
      await s.emitWithAck('conversation:subscribe', { conversationId: c.conversationId });
      const visitorSees = nextEvent<{ agentsReadSeq: number }>(v, 'conversation:read');
      const r = await s.emitWithAck('conversation:read', { conversationId: c.conversationId, seq: 4 });
      expect(r.ok).toBe(true);
      expect((await visitorSees).agentsReadSeq).toBe(4);
      const after = (await agent.get('/api/staff/conversations?scope=mine')).body.conversations.find(
        (x: { id: string }) => x.id === c.conversationId,
      );
      expect(after.unread).toBe(0);
      const tooFar = await s.emitWithAck('conversation:read', { conversationId: c.conversationId, seq: 99 });
      expect(tooFar.error.code).toBe('sequence_invalid');
      v.close();
      s.close();
    });
  });

  describe('canned replies and topics', () => {
    it('are managed by admins, read by agents; shortcuts are unique; bodies stay text', async () => {
      const list = (await agent.get('/api/staff/canned-replies')).body.cannedReplies;
      expect(list.map((c: { title: string }) => c.title)).toEqual([
        'Greeting',
        'More Info',
        'Checking',
        'Resolution Check',
        'Additional Help',
      ]);
      const body = "<script>alert(1)</script> {{constructor.constructor('x')()}} Hi {{visitor.name}}";
      const created = await admin.post('/api/admin/canned-replies', { title: 'Tricky', shortcut: 'Tricky', body });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ shortcut: 'tricky', body });
      const clash = await admin.post('/api/admin/canned-replies', { title: 'Other', shortcut: 'tricky', body: 'x' });
      expect(clash.status).toBe(409);
      expect(clash.body.error.details.fields[0].path).toBe('shortcut');
      const renamed = await admin.put(`/api/admin/canned-replies/${created.body.id}`, {
        title: 'Tricky',
        shortcut: 'hi',
        body,
      });
      expect(renamed.status).toBe(409);
      expect((await admin.delete(`/api/admin/canned-replies/${created.body.id}`)).status).toBe(200);
    });

    it('topics edited by an admin change the start form; old conversations keep their label', async () => {
      const created = await admin.post('/api/admin/topics', { label: 'Exam week' });
      expect(created.status).toBe(201);
      expect((await t.client().get('/api/topics')).body.topics.map((x: { label: string }) => x.label)).toContain(
        'Exam week',
      );
      expect((await admin.post('/api/admin/topics', { label: 'exam WEEK' })).status).toBe(409);
      await admin.put(`/api/admin/topics/${created.body.id}`, { label: 'Exam week', isActive: false });
      expect((await t.client().get('/api/topics')).body.topics.map((x: { label: string }) => x.label)).not.toContain(
        'Exam week',
      );
    });

    it('refuses a canned-reply id or a note flag from a visitor', async () => {
      const c = await visitorWithConversation(t);
      const r = await c.client.post(`/api/conversations/${c.conversationId}/messages`, {
        clientMsgId: id(),
        text: 'x',
        cannedReplyId: 'canned-1',
      });
      expect(r.status).toBe(400);
    });
  });

  describe('message logs', () => {
    it('shows every conversation decrypted with filters, and audits every view', async () => {
      const c = await visitorWithConversation(t, 'Needle in a haystack: zebra-42 is my code.');
      await agent.post(`/api/staff/conversations/${c.conversationId}/join`);
      await agent.post(`/api/staff/conversations/${c.conversationId}/messages`, {
        clientMsgId: id(),
        text: 'internal zebra note',
        note: true,
      });
      const found = await admin.get('/api/admin/message-logs?text=ZEBRA-42');
      expect(found.status).toBe(200);
      expect(found.body.entries).toHaveLength(1);
      expect(found.body.entries[0].conversation.id).toBe(c.conversationId);
      expect(found.body.entries[0].messages.map((m: { kind: string }) => m.kind)).toEqual(['text', 'system', 'note']);
      const byAgent = await admin.get(`/api/admin/message-logs?agentId=${agentId}&pageSize=50`);
      expect(byAgent.body.entries.map((e: { conversation: { id: string } }) => e.conversation.id)).toContain(
        c.conversationId,
      );
      const audit = await admin.get('/api/admin/audit?action=message_logs.viewed');
      expect(audit.body.total).toBeGreaterThanOrEqual(2);
      expect(JSON.stringify(audit.body)).not.toContain('ZEBRA-42');
    });
  });

  describe('idle auto-close', () => {
    it('is off by default, and when set closes conversations idle for that long with a system line', async () => {
      const c = await visitorWithConversation(t);
      const job = { runNow: () => t.ctx.jobs.runNow(IDLE_CLOSE_TASK) };
      try {
        clock.advance(5 * 3_600_000);
        await job.runNow();
        expect((await c.client.get(`/api/conversations/${c.conversationId}`)).body.status).toBe('waiting');
        await admin.patch('/api/admin/settings', { 'conversations.idleAutoCloseHours': 4 });
        await job.runNow();
        const view = await c.client.get(`/api/conversations/${c.conversationId}/messages`);
        expect(view.body.conversation.status).toBe('closed');
        expect(view.body.messages.at(-1).text).toBe('Closed automatically after 4 hours without messages');
      } finally {
        await admin.patch('/api/admin/settings', { 'conversations.idleAutoCloseHours': null });
      }
    });
  });
});

describe.skipIf(!DIALECTS.includes('postgres'))('join across two server processes', () => {
  it('two agents joining at the same instant on two processes: one active conversation, two participants, two join lines', async () => {
    const database = await createTestDatabase('postgres');
    const env = {
      DATABASE_URL: database.url,
      DATA_DIR: database.dataDir,
      PASSWORD_HASH_MEMORY_KIB: '1024',
      PASSWORD_HASH_TIME_COST: '1',
    };
    const a = await spawnServer(env);
    const b = await spawnServer(env);
    try {
      const agents = await Promise.all([
        createUserFromDb(database.url, 'agent'),
        createUserFromDb(database.url, 'agent'),
      ]);
      const onA = new HttpClient(a.url);
      const onB = new HttpClient(b.url);
      await onA.post('/api/staff/login', { login: agents[0].username, password: PASSWORD });
      await onB.post('/api/staff/login', { login: agents[1].username, password: PASSWORD });
      for (let round = 0; round < 3; round++) {
        const visitor = new HttpClient(a.url);
        await visitor.post('/api/visitor/session', {});
        const start = await visitor.post('/api/conversations', {
          displayName: 'Racer',
          text: `Two agents, one click, round ${round}.`,
        });
        const conversationId = start.body.conversation.id;
        const [ra, rb] = await Promise.all([
          onA.post(`/api/staff/conversations/${conversationId}/join`),
          onB.post(`/api/staff/conversations/${conversationId}/join`),
        ]);
        expect([ra.status, rb.status]).toEqual([200, 200]);
        const view = (await onA.get(`/api/staff/conversations/${conversationId}/messages`)).body;
        expect(view.conversation.status).toBe('active');
        expect(view.conversation.agents).toHaveLength(2);
        expect(view.messages.filter((m: { kind: string }) => m.kind === 'system')).toHaveLength(2);
        expect(view.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3]);
      }
    } finally {
      await Promise.all([a.kill(), b.kill()]);
      await database.drop();
    }
  });
});
