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
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';
import type { ReportView } from '../../shared/desk-tools.js';

const MIN = 60_000;

describeEachDialect('Admin → Reports', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let alex: HttpClient;
  let blair: HttpClient;
  let alexId: string;
  let admin: HttpClient;
  beforeAll(async () => {
    // Monday 2026-12-07, 09:00 in New York (14:00Z).
    clock = new ManualClock(Date.parse('2026-12-07T14:00:00Z'));
    t = await startTestApp(dialect, { clock, env: { SUPPORT_TIMEZONE: 'America/New_York' } });
    const a = await createStaff(t, 'agent', { firstName: 'Alex', lastName: 'Reporter' });
    alexId = a.user.id;
    alex = await staffClient(t, a);
    const b = await createStaff(t, 'agent', { firstName: 'Blair', lastName: 'Reporter' });
    blair = await staffClient(t, b);
    const adminAccount = await createStaff(t, 'admin');
    admin = await staffClient(t, adminAccount);

    /** A conversation started now, answered after `answerMin`, closed after `closeMin`, rated `rating`. */
    const story = async (agent: HttpClient, answerMin: number, closeMin: number, rating?: number) => {
      const start = clock.now();
      const c = await visitorWithConversation(t, 'Report data: a question that gets answered.');
      await agent.post(`/api/staff/conversations/${c.conversationId}/join`);
      clock.set(start + answerMin * MIN);
      await agent.post(`/api/staff/conversations/${c.conversationId}/messages`, {
        clientMsgId: randomUUID(),
        text: 'Here is the answer.',
      });
      clock.set(start + closeMin * MIN);
      await agent.post(`/api/staff/conversations/${c.conversationId}/close`);
      if (rating !== undefined) await c.client.put(`/api/conversations/${c.conversationId}/csat`, { rating });
      clock.set(start);
    };
    // Monday 09:00 local: two by Alex (answered in 2 and 4 min, closed after 10 and 30), one by Blair (6 min, 60).
    await story(alex, 2, 10, 5);
    await story(alex, 4, 30, 4);
    await story(blair, 6, 60, 1);
    // Tuesday 22:30 local (03:30Z Wednesday): one waiting, never answered.
    clock.set(Date.parse('2026-12-09T03:30:00Z'));
    await visitorWithConversation(t, 'Report data: late question nobody answered yet.');
    // Sessions signed in on Monday have expired by now: sign in again.
    [alex, blair, admin] = await Promise.all([staffClient(t, a), staffClient(t, b), staffClient(t, adminAccount)]);
  });
  afterAll(() => t?.stop());

  it('counts per local day and hour, a heat map, percentiles, CSAT and workload per agent', async () => {
    const r = await admin.get('/api/admin/reports?from=2026-12-07&to=2026-12-09');
    expect(r.status, r.text).toBe(200);
    const report = r.body as ReportView;
    expect(report.timezone).toBe('America/New_York');
    expect(report.totals).toEqual({ conversations: 4, closed: 3, ratings: 3, averageRating: 3.3 });
    expect(report.daily).toEqual([
      { date: '2026-12-07', conversations: 3, closed: 3 },
      { date: '2026-12-08', conversations: 1, closed: 0 },
      { date: '2026-12-09', conversations: 0, closed: 0 },
    ]);
    expect(report.hourly[9]!.conversations).toBe(3);
    expect(report.hourly[22]!.conversations).toBe(1);
    expect(report.heatmap[0]!.hours[9]).toBe(3); // Monday 09:00
    expect(report.heatmap[1]!.hours[22]).toBe(1); // Tuesday 22:00 (Wednesday in UTC)
    expect(report.firstResponse).toEqual({ count: 3, p50: 240, p75: 300, p90: 336, p95: 348 });
    expect(report.resolution).toMatchObject({ count: 3, p50: 1800 });

    const alexCsat = report.csatByAgent.find((g) => g.id === alexId)!;
    expect(alexCsat).toMatchObject({ name: 'Alex Reporter', ratings: 2, average: 4.5, satisfied: 100 });
    expect(alexCsat.distribution).toEqual([0, 0, 0, 1, 1]);
    expect(report.csatByAgent.find((g) => g.name === 'Blair Reporter')).toMatchObject({ average: 1, satisfied: 0 });
    expect(report.csatByTeam).toBeNull();

    const alexLoad = report.agents.find((a) => a.userId === alexId)!;
    expect(alexLoad).toEqual({
      userId: alexId,
      name: 'Alex Reporter',
      joined: 2,
      closed: 2,
      replies: 2,
      medianFirstResponse: 180,
    });

    // Another range leaves them out.
    const empty = (await admin.get('/api/admin/reports?from=2026-12-01&to=2026-12-06')).body as ReportView;
    expect(empty.totals.conversations).toBe(0);
    expect(empty.firstResponse).toEqual({ count: 0, p50: null, p75: null, p90: null, p95: null });
  });

  it('exports each section as CSV', async () => {
    const daily = await admin.get('/api/admin/reports/csv/daily?from=2026-12-07&to=2026-12-08');
    expect(daily.status).toBe(200);
    expect(daily.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(daily.headers.get('content-disposition')).toBe(
      'attachment; filename="report-daily-2026-12-07-2026-12-08.csv"',
    );
    expect(daily.text).toBe('date,conversations,closed\r\n2026-12-07,3,3\r\n2026-12-08,1,0\r\n');
    const agents = await admin.get('/api/admin/reports/csv/agents?from=2026-12-07&to=2026-12-08');
    expect(agents.text.split('\r\n')).toContain('Alex Reporter,2,2,2,180');
    const heat = await admin.get('/api/admin/reports/csv/heatmap?from=2026-12-07&to=2026-12-08');
    expect(heat.text.split('\r\n')[1]).toMatch(/^Monday,0,0,0,0,0,0,0,0,0,3,/);
    expect((await admin.get('/api/admin/reports/csv/secrets?from=2026-12-07&to=2026-12-08')).status).toBe(400);
  });

  it('refuses bad ranges with stable codes', async () => {
    const backwards = await admin.get('/api/admin/reports?from=2026-12-09&to=2026-12-01');
    expect(backwards.body.error.details.fields[0].code).toBe('date_range_invalid');
    const long = await admin.get('/api/admin/reports?from=2025-01-01&to=2026-12-01');
    expect(long.body.error.details.fields[0].code).toBe('date_range_too_long');
    expect((await admin.get('/api/admin/reports?from=2026-02-30&to=2026-03-01')).status).toBe(400);
    expect((await admin.get('/api/admin/reports?from=2026-12-01')).status).toBe(400);
  });

  it('is for admins only', async () => {
    const c = await visitorWithConversation(t);
    const { client: customer } = await registerCustomer(t);
    const q = '?from=2026-12-07&to=2026-12-08';
    for (const client of [alex, blair, c.client, customer]) {
      expect((await client.get(`/api/admin/reports${q}`)).status).toBe(403);
      expect((await client.get(`/api/admin/reports/csv/daily${q}`)).status).toBe(403);
    }
    expect((await t.client().get(`/api/admin/reports${q}`)).status).toBe(401);
  });
});
