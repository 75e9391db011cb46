import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import {
  createStaff,
  registerCustomer,
  staffClient,
  visitorWithConversation,
} from '../../../test/harness/factories.js';
import type { HttpClient } from '../../../test/harness/http-client.js';
import { connected, socketClient } from '../../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';
import type { SnoozeView, WakeReason } from '../../shared/desk-tools.js';
import { SNOOZE_TASK } from './snooze.service.js';

type SnoozeFrame = { conversationId: string; snooze: SnoozeView | null; reason: WakeReason | null };

describeEachDialect('snooze', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let agent: HttpClient;
  let otherAgent: HttpClient;
  let admin: HttpClient;
  beforeAll(async () => {
    clock = new ManualClock(Date.now());
    t = await startTestApp(dialect, { clock });
    agent = await staffClient(t, await createStaff(t, 'agent', { firstName: 'Sid', lastName: 'Sleeper' }));
    otherAgent = await staffClient(t, await createStaff(t, 'agent'));
    admin = await staffClient(t, await createStaff(t, 'admin'));
  });
  afterAll(() => t?.stop());

  const joined = async (text = 'Please look into my enrolment when you can.') => {
    const c = await visitorWithConversation(t, text);
    await agent.post(`/api/staff/conversations/${c.conversationId}/join`);
    return c;
  };
  const mineIds = async () =>
    ((await agent.get('/api/staff/conversations?scope=mine')).body.conversations as { id: string }[]).map((c) => c.id);
  const snoozeOf = async (id: string) => (await agent.get(`/api/staff/conversations/${id}/snooze`)).body.snooze;
  const sweep = () => t.ctx.jobs.runNow(SNOOZE_TASK);

  it('parks an active conversation out of "mine" until its time, then wakes it (sweep), with frames to staff only', async () => {
    const c = await joined();
    const staffSocket = socketClient(t.url, '/staff', { cookie: agent.cookieHeader() });
    const visitorSocket = socketClient(t.url, '/visitor', { cookie: c.client.cookieHeader() });
    await Promise.all([connected(staffSocket), connected(visitorSocket)]);
    const frames: SnoozeFrame[] = [];
    staffSocket.on('conversation:snooze', (f: SnoozeFrame) => frames.push(f));
    const visitorEvents: string[] = [];
    visitorSocket.onAny((event: string) => visitorEvents.push(event));
    const before = (await agent.get('/api/staff/queue')).body.counters.mine;

    const until = new Date(clock.now() + 3_600_000).toISOString();
    const r = await agent.put(`/api/staff/conversations/${c.conversationId}/snooze`, { until });
    expect(r.status, r.text).toBe(200);
    expect(r.body.snooze).toMatchObject({ until, by: { name: 'Sid Sleeper' } });
    await expect.poll(() => frames.at(-1)?.snooze?.until).toBe(until);
    expect(await mineIds()).not.toContain(c.conversationId);
    expect((await agent.get('/api/staff/queue')).body.counters.mine).toBe(before - 1);
    const snoozed = await agent.get('/api/staff/search?status=snoozed');
    expect(snoozed.body.hits.map((h: { id: string }) => h.id)).toContain(c.conversationId);
    // The visitor's conversation is simply active, and it can write as before.
    const visitorView = (await c.client.get(`/api/conversations/${c.conversationId}`)).body;
    expect(visitorView.status).toBe('active');
    expect(JSON.stringify(visitorView)).not.toMatch(/snooz/i);

    // Not yet due: the sweep leaves it; an agent's own reply does not wake it.
    await agent.post(`/api/staff/conversations/${c.conversationId}/messages`, {
      clientMsgId: randomUUID(),
      text: 'I will check back in an hour.',
    });
    await sweep();
    expect(await snoozeOf(c.conversationId)).not.toBeNull();

    clock.advance(3_600_000);
    await sweep();
    expect(await snoozeOf(c.conversationId)).toBeNull();
    await expect.poll(() => frames.at(-1)).toMatchObject({ snooze: null, reason: 'time' });
    expect(await mineIds()).toContain(c.conversationId);
    expect(visitorEvents.some((e) => /snooz/.test(e))).toBe(false);
    staffSocket.close();
    visitorSocket.close();
  });

  it('wakes when the visitor writes, at once, and a sweep finds it even when no instance heard of it', async () => {
    const c = await joined();
    await agent.put(`/api/staff/conversations/${c.conversationId}/snooze`, {});
    expect((await snoozeOf(c.conversationId)).until).toBeNull();
    await c.client.post(`/api/conversations/${c.conversationId}/messages`, {
      clientMsgId: randomUUID(),
      text: 'Any news?',
    });
    // The fast path (this instance's hint) wakes it without waiting for the sweep.
    await expect.poll(() => snoozeOf(c.conversationId)).toBeNull();
    expect(await mineIds()).toContain(c.conversationId);

    // A second instance on the same database with no shared bus: it never hears of this snooze, and the visitor
    // writes through it. The first instance's sweep still wakes the conversation.
    const b = await startTestApp(dialect, { database: t.database, clock });
    try {
      await agent.put(`/api/staff/conversations/${c.conversationId}/snooze`, {});
      const visitorOnB = b.client();
      for (const [name, value] of c.client.cookies) visitorOnB.cookies.set(name, value);
      const sent = await visitorOnB.post(`/api/conversations/${c.conversationId}/messages`, {
        clientMsgId: randomUUID(),
        text: 'Written through the other instance.',
      });
      expect(sent.status).toBe(201);
      expect(await snoozeOf(c.conversationId)).not.toBeNull();
      expect(await sweep()).toBe(true);
      expect(await snoozeOf(c.conversationId)).toBeNull();
    } finally {
      await b.stop();
    }
  });

  it('ends with the status: closing, or the last agent leaving (back to the queue), clears the snooze', async () => {
    const closed = await joined();
    await agent.put(`/api/staff/conversations/${closed.conversationId}/snooze`, {});
    await agent.post(`/api/staff/conversations/${closed.conversationId}/close`);
    expect(await snoozeOf(closed.conversationId)).toBeNull();

    const requeued = await joined();
    await agent.put(`/api/staff/conversations/${requeued.conversationId}/snooze`, {});
    await agent.post(`/api/staff/conversations/${requeued.conversationId}/leave`);
    expect((await agent.get(`/api/staff/conversations/${requeued.conversationId}`)).body.status).toBe('waiting');
    // Joined again, it is active and not snoozed (the snooze did not survive the queue).
    await otherAgent.post(`/api/staff/conversations/${requeued.conversationId}/join`);
    expect(await snoozeOf(requeued.conversationId)).toBeNull();
  });

  it('holds the permission matrix and refuses bad input with stable codes', async () => {
    const c = await joined();
    const path = `/api/staff/conversations/${c.conversationId}/snooze`;
    // Another agent (not in it) may read but not snooze or wake; an admin may.
    expect((await otherAgent.get(path)).status).toBe(200);
    expect((await otherAgent.put(path, {})).body.error.code).toBe('not_a_participant');
    expect((await admin.put(path, {})).status).toBe(200);
    expect((await otherAgent.delete(path)).body.error.code).toBe('not_a_participant');
    expect((await admin.delete(path)).status).toBe(200);
    expect(await snoozeOf(c.conversationId)).toBeNull();
    // Visitors, customers, anonymous.
    const { client: customer } = await registerCustomer(t);
    expect((await c.client.put(path, {})).status).toBe(403);
    expect((await customer.get(path)).status).toBe(403);
    expect((await t.client().put(path, {})).status).toBe(401);
    // Bad input.
    const past = await agent.put(path, { until: new Date(clock.now() - 1000).toISOString() });
    expect(past.status).toBe(400);
    expect(past.body.error.details.fields[0].code).toBe('snooze_until_invalid');
    const far = await agent.put(path, { until: new Date(clock.now() + 31 * 86_400_000).toISOString() });
    expect(far.body.error.details.fields[0].code).toBe('snooze_until_invalid');
    expect((await agent.put(path, { until: 'tomorrow' })).status).toBe(400);
    expect((await agent.put(path, { until: null, extra: true })).status).toBe(400);
    expect((await agent.put('/api/staff/conversations/nope/snooze', {})).status).toBe(404);
    // Only active conversations.
    const waiting = await visitorWithConversation(t);
    const refused = await admin.put(`/api/staff/conversations/${waiting.conversationId}/snooze`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('snooze_not_allowed');
    expect(await snoozeOf(waiting.conversationId)).toBeNull();
  });

  it('keeps a conversation snoozed until a time out of idle auto-close, but not an open-ended one', async () => {
    await t.ctx.services.settings.set('conversations.idleAutoCloseHours', 1, null);
    try {
      const timed = await joined();
      const open = await joined();
      await agent.put(`/api/staff/conversations/${timed.conversationId}/snooze`, {
        until: new Date(clock.now() + 5 * 3_600_000).toISOString(),
      });
      await agent.put(`/api/staff/conversations/${open.conversationId}/snooze`, {});
      clock.advance(2 * 3_600_000);
      await t.ctx.jobs.runNow('conversations.idle-close');
      const status = async (id: string) => (await agent.get(`/api/staff/conversations/${id}`)).body.status;
      expect(await status(timed.conversationId)).toBe('active');
      expect(await status(open.conversationId)).toBe('closed');
    } finally {
      await t.ctx.services.settings.set('conversations.idleAutoCloseHours', null, null);
    }
  });
});
