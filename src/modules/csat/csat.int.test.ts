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
import { connected, nextEvent, socketClient } from '../../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';
import type { CsatView } from '../../shared/desk-tools.js';
import { CSAT_TOPIC } from './csat.service.js';

describeEachDialect('satisfaction ratings (CSAT)', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let agent: HttpClient;
  let otherAgent: HttpClient;
  let admin: HttpClient;
  beforeAll(async () => {
    clock = new ManualClock(Date.now());
    t = await startTestApp(dialect, { clock });
    agent = await staffClient(t, await createStaff(t, 'agent'));
    otherAgent = await staffClient(t, await createStaff(t, 'agent'));
    admin = await staffClient(t, await createStaff(t, 'admin'));
  });
  afterAll(() => t?.stop());

  const ended = async () => {
    const c = await visitorWithConversation(t, 'Rating test: please help me reset my password.');
    await agent.post(`/api/staff/conversations/${c.conversationId}/join`);
    await agent.post(`/api/staff/conversations/${c.conversationId}/close`);
    return c;
  };

  it('lets the visitor rate once after close, edit for a while, and shows it to staff live; comment encrypted', async () => {
    const c = await visitorWithConversation(t, 'Rating test: my timetable is missing a course.');
    await agent.post(`/api/staff/conversations/${c.conversationId}/join`);
    const path = `/api/conversations/${c.conversationId}/csat`;
    // Not before it ended.
    expect((await c.client.get(path)).body).toMatchObject({ open: false, csat: null });
    const early = await c.client.put(path, { rating: 5 });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('csat_not_open');

    await agent.post(`/api/staff/conversations/${c.conversationId}/close`);
    expect((await c.client.get(path)).body).toMatchObject({ open: true, csat: null, editableUntil: null });
    const staffSocket = socketClient(t.url, '/staff', { cookie: agent.cookieHeader() });
    await connected(staffSocket);
    await staffSocket.emitWithAck('conversation:subscribe', { conversationId: c.conversationId });
    const frame = nextEvent<{ conversationId: string; csat: CsatView }>(staffSocket, 'conversation:csat');

    const rated = await c.client.put(path, { rating: 2, comment: 'Took a while — kiwi-canary-31' });
    expect(rated.status, rated.text).toBe(200);
    expect(rated.body.csat).toMatchObject({ rating: 2, comment: 'Took a while — kiwi-canary-31' });
    expect(Date.parse(rated.body.editableUntil)).toBe(clock.now() + 15 * 60_000);
    expect((await frame).csat).toMatchObject({ rating: 2, comment: 'Took a while — kiwi-canary-31' });
    for (const staff of [agent, otherAgent, admin]) {
      const seen = await staff.get(`/api/staff/conversations/${c.conversationId}/csat`);
      expect(seen.body.csat).toMatchObject({ rating: 2, comment: 'Took a while — kiwi-canary-31' });
    }
    // The comment is not stored as plaintext.
    const row = await t.ctx.db
      .selectFrom('csatRatings')
      .selectAll()
      .where('conversationId', '=', c.conversationId)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(row.comment!).toString('utf8')).not.toContain('kiwi-canary-31');
    // The webhook topic (issue 17) is written with every rating.
    const outbox = await t.ctx.db.selectFrom('outbox').selectAll().where('topic', '=', CSAT_TOPIC).execute();
    expect(outbox.map((o) => JSON.parse(o.payload) as unknown)).toContainEqual({ conversationId: c.conversationId });

    // Changed within the window; the comment can be removed.
    clock.advance(10 * 60_000);
    const changed = await c.client.put(path, { rating: 4 });
    expect(changed.body.csat).toMatchObject({ rating: 4, comment: null });
    // Locked after it.
    clock.advance(6 * 60_000);
    const locked = await c.client.put(path, { rating: 5 });
    expect(locked.status).toBe(409);
    expect(locked.body.error.code).toBe('csat_locked');
    expect((await c.client.get(path)).body).toMatchObject({ csat: { rating: 4 }, editableUntil: null });
    staffSocket.close();
  });

  it('lets a customer rate, and a visitor who left', async () => {
    const { client: customer } = await registerCustomer(t);
    const started = await customer.post('/api/conversations', {
      text: 'Customer rating test conversation.',
      clientMsgId: randomUUID(),
    });
    const id = started.body.conversation.id as string;
    await admin.post(`/api/staff/conversations/${id}/close`);
    expect((await customer.put(`/api/conversations/${id}/csat`, { rating: 5 })).body.csat.rating).toBe(5);

    const left = await visitorWithConversation(t, 'I will leave this one before anyone answers.');
    await left.client.post(`/api/conversations/${left.conversationId}/leave`);
    expect((await left.client.put(`/api/conversations/${left.conversationId}/csat`, { rating: 1 })).status).toBe(200);
  });

  it('holds the permission matrix and refuses bad ratings', async () => {
    const c = await ended();
    const path = `/api/conversations/${c.conversationId}/csat`;
    const stranger = await visitorWithConversation(t);
    const { client: customer } = await registerCustomer(t);
    // Someone else's conversation is not found, like a missing one.
    expect((await stranger.client.put(path, { rating: 5 })).status).toBe(404);
    expect((await customer.get(path)).status).toBe(404);
    expect((await t.client().put(path, { rating: 5 })).status).toBe(401);
    // Staff read on the staff side; they cannot rate (the public side has no staff principal).
    expect((await agent.put(path, { rating: 5 })).status).toBe(401);
    expect((await c.client.get(`/api/staff/conversations/${c.conversationId}/csat`)).status).toBe(403);
    expect((await t.client().get(`/api/staff/conversations/${c.conversationId}/csat`)).status).toBe(401);
    for (const body of [{ rating: 0 }, { rating: 6 }, { rating: 3.5 }, { rating: '5' }, {}, { rating: 5, x: 1 }]) {
      const r = await c.client.put(path, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    expect((await c.client.put(path, { rating: 3, comment: 'x'.repeat(1001) })).status).toBe(400);
    expect((await c.client.get(path)).body.csat).toBeNull();
  });

  it('is off when an admin turns ratings off', async () => {
    const c = await ended();
    await t.ctx.services.settings.set('csat.enabled', false, null);
    try {
      expect((await c.client.get(`/api/conversations/${c.conversationId}/csat`)).body.open).toBe(false);
      expect((await c.client.put(`/api/conversations/${c.conversationId}/csat`, { rating: 4 })).body.error.code).toBe(
        'csat_not_open',
      );
    } finally {
      await t.ctx.services.settings.set('csat.enabled', true, null);
    }
  });
});
