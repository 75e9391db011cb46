import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import { createStaff, staffClient, visitorWithConversation } from '../../../test/harness/factories.js';
import { startTestApp } from '../../../test/harness/test-app.js';

describeEachDialect('admin overview', (dialect) => {
  it('counts today in the support timezone and reports median first response and resolution', async () => {
    // 23:30 in New York is already tomorrow in UTC: "today" must follow the support timezone.
    const clock = new ManualClock(Date.parse('2026-03-10T03:30:00Z'));
    const t = await startTestApp(dialect, { clock, env: { SUPPORT_TIMEZONE: 'America/New_York' } });
    try {
      const admin = await staffClient(t, await createStaff(t, 'admin'));
      const agent = await staffClient(t, await createStaff(t, 'agent'));
      const empty = (await admin.get('/api/admin/overview')).body;
      expect(empty).toMatchObject({ waiting: 0, active: 0, timezone: 'America/New_York', today: { conversations: 0 } });

      const minutesLater = (m: number) => clock.advance(m * 60_000);
      for (const [respond, resolve] of [
        [2, 10],
        [4, 30],
        [6, 50],
      ] as const) {
        const c = await visitorWithConversation(t);
        minutesLater(respond);
        await agent.post(`/api/staff/conversations/${c.conversationId}/join`);
        await agent.post(`/api/staff/conversations/${c.conversationId}/messages`, {
          clientMsgId: randomUUID(),
          text: 'On it',
        });
        minutesLater(resolve - respond);
        await agent.post(`/api/staff/conversations/${c.conversationId}/close`);
        clock.set(Date.parse('2026-03-10T03:30:00Z'));
      }
      await visitorWithConversation(t);
      const o = (await admin.get('/api/admin/overview')).body;
      expect(o.waiting).toBe(1);
      expect(o.today).toMatchObject({ conversations: 4, medianFirstResponseMinutes: 4, medianResolutionMinutes: 30 });
      expect(o.today.messages).toBe(7); // 4 first messages + 3 replies (system lines are not counted)
      expect(o.last7Days.conversations).toBe(4);
      expect((await agent.get('/api/admin/overview')).status).toBe(403);
    } finally {
      await t.stop();
    }
  });
});
