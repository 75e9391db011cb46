import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, describeEachDialect } from '../../test/harness/dialects.js';
import { createStaff, staffClient, visitorWithConversation } from '../../test/harness/factories.js';
import { HttpClient } from '../../test/harness/http-client.js';
import { redisServerAvailable, startPrivateRedis, type PrivateRedis } from '../../test/harness/private-services.js';
import { connected, socketClient } from '../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';
import type { CsatView, LabelView, SnoozeView } from '../shared/desk-tools.js';

const haveRedis = await redisServerAvailable();

describeEachDialect('desk tools across two instances (shared database, Redis bus)', (dialect) => {
  let redis: PrivateRedis | undefined;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    if (!haveRedis) return;
    redis = await startPrivateRedis();
    const database = await createTestDatabase(dialect);
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}` };
    a = await startTestApp(dialect, { database, env });
    b = await startTestApp(dialect, { database, env });
    for (let i = 0; i < 100 && (a.ctx.bus.status() !== 'ok' || b.ctx.bus.status() !== 'ok'); i++) await sleep(50);
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await a?.database.drop();
    await redis?.stop();
  });

  it.skipIf(!haveRedis)(
    'labels, snooze, its one wake-up and ratings made on A reach an agent’s desk on B',
    async () => {
      const account = await createStaff(a, 'agent');
      const onA = await staffClient(a, account);
      const onB = new HttpClient(b.staffUrl);
      await onB.post('/api/staff/login', { login: account.username, password: account.password });
      const admin = await staffClient(a, await createStaff(a, 'admin'));
      const c = await visitorWithConversation(a, 'Two instances: please label, snooze and rate me.');
      await onA.post(`/api/staff/conversations/${c.conversationId}/join`);

      const desk: Socket = socketClient(b.url, '/staff', { cookie: onB.cookieHeader() });
      const frames: { event: string; payload: unknown }[] = [];
      for (const event of ['conversation:labels', 'conversation:snooze', 'conversation:csat', 'labels:updated'])
        desk.on(event, (payload: unknown) => frames.push({ event, payload }));
      await connected(desk);
      await desk.emitWithAck('conversation:subscribe', { conversationId: c.conversationId });
      const of = (event: string) => frames.filter((f) => f.event === event).map((f) => f.payload);

      const label = (await admin.post('/api/admin/labels', { name: `Urgent ${randomUUID().slice(0, 6)}` }))
        .body as LabelView;
      await expect.poll(() => of('labels:updated').length).toBe(1);
      await onA.post(`/api/staff/conversations/${c.conversationId}/labels`, { labelId: label.id });
      await expect
        .poll(() => (of('conversation:labels').at(-1) as { labels: LabelView[] } | undefined)?.labels[0]?.id)
        .toBe(label.id);

      await onA.put(`/api/staff/conversations/${c.conversationId}/snooze`, {});
      await expect
        .poll(() => (of('conversation:snooze').at(-1) as { snooze: SnoozeView | null } | undefined)?.snooze)
        .not.toBeFalsy();
      // Both instances heard of the snooze; the visitor writes through A, both try to wake it: one wake-up.
      await c.client.post(`/api/conversations/${c.conversationId}/messages`, {
        clientMsgId: randomUUID(),
        text: 'I am back with the details.',
      });
      await expect
        .poll(async () => (await onB.get(`/api/staff/conversations/${c.conversationId}/snooze`)).body.snooze)
        .toBeNull();
      await sleep(300);
      const wakes = of('conversation:snooze').filter((f) => (f as { snooze: unknown }).snooze === null);
      expect(wakes).toEqual([{ conversationId: c.conversationId, snooze: null, reason: 'visitor_wrote' }]);

      await onA.post(`/api/staff/conversations/${c.conversationId}/close`);
      await c.client.put(`/api/conversations/${c.conversationId}/csat`, { rating: 5, comment: 'Great, thanks' });
      await expect
        .poll(() => (of('conversation:csat').at(-1) as { csat: CsatView } | undefined)?.csat)
        .toMatchObject({ rating: 5, comment: 'Great, thanks' });
      desk.close();
    },
  );
});
