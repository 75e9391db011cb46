import { DateTime } from 'luxon';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { WEEKDAYS, type SupportStatusWire, type WeekdayName } from '../../shared/schedule.schemas.js';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';
import { createStaff, staffClient, visitorClient } from '../../../test/harness/factories.js';
import { connected, socketClient } from '../../../test/harness/sockets.js';

const NY = 'America/New_York';
const ny = (iso: string) => DateTime.fromISO(iso, { zone: NY }).toMillis();
const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' }).toMillis();

function days(spec: Partial<Record<WeekdayName, string[]>>) {
  return Object.fromEntries(
    WEEKDAYS.map((d) => [
      d,
      (spec[d] ?? []).map((r) => {
        const [start, end] = r.split('-');
        return { start, end };
      }),
    ]),
  );
}

/**
 * Starts a conversation (a fresh visitor) at the test's current clock and returns what creation decided: the
 * `offline` field of the answer and the system line the conversation got, if any.
 */
async function startNow(t: TestApp): Promise<{
  offline: { message: string; nextAvailable: SupportStatusWire['nextAvailable'] } | null;
  systemLine: string | undefined;
}> {
  const { client } = await visitorClient(t);
  const r = await client.post('/api/conversations', { displayName: 'Vera Visitor', text: 'Hello, is anyone there?' });
  expect(r.status).toBe(201);
  const history = await client.get<{ messages: { kind: string; text: string }[] }>(
    `/api/conversations/${r.body.conversation.id}/messages`,
  );
  return { offline: r.body.offline, systemLine: history.body.messages.find((m) => m.kind === 'system')?.text };
}

/** Status and creation at one instant agree: open ⇔ no offline notice; closed ⇒ the same next opening. */
async function expectCreationAgrees(t: TestApp, status: SupportStatusWire): Promise<void> {
  const created = await startNow(t);
  if (status.available) {
    expect(created.offline).toBeNull();
    expect(created.systemLine).toBeUndefined();
  } else {
    expect(created.offline?.nextAvailable).toEqual(status.nextAvailable);
    expect(created.systemLine).toBe(created.offline?.message);
    expect(created.systemLine).toMatch(/^We're closed right now/);
    if (status.nextAvailable) expect(created.systemLine).toContain(`We'll be back at ${status.nextAvailable.text};`);
  }
}

const weekdays = (range: string) => Object.fromEntries(WEEKDAYS.slice(0, 5).map((d) => [d, [range]]));

describeEachDialect('GET /api/status', (dialect) => {
  let t: TestApp;
  const clock = new ManualClock();

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock, env: { SUPPORT_TIMEZONE: NY } });
  });
  afterAll(() => t?.stop());
  beforeEach(async () => {
    clock.set(ny('2026-11-23T10:00'));
    await t.ctx.db.deleteFrom('scheduleOverrides').execute();
  });

  /** The status at `at`, checked against what conversation creation decides at the same instant. */
  async function statusAt(at: number): Promise<SupportStatusWire> {
    clock.set(at);
    const r = await t.client().get<SupportStatusWire>('/api/status');
    expect(r.status).toBe(200);
    expect(r.body.available).toBe(await t.ctx.services.schedule.isOpenForNewConversation(at));
    await expectCreationAgrees(t, r.body);
    return r.body;
  }

  it('answers in the support timezone, uncached, and says when all agents are away', async () => {
    await t.ctx.services.schedule.setWeek(days(weekdays('09:00-16:30')), 'admin');
    const r = await t.client().get('/api/status');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    expect(r.body).toEqual({
      available: true,
      reason: 'open',
      message:
        "We're open until 4:30 PM today (EST), but all agents are away right now; leave a message and we'll " +
        'answer as soon as someone is back.',
      nextAvailable: null,
      closesAt: { at: '2026-11-23T16:30:00.000-05:00', text: '4:30 PM today (EST)' },
      todaysHours: [
        {
          start: '09:00',
          end: '16:30',
          startsAt: '2026-11-23T09:00:00.000-05:00',
          endsAt: '2026-11-23T16:30:00.000-05:00',
          text: '9:00 AM – 4:30 PM',
          fromPreviousDay: false,
          endsNextDay: false,
        },
      ],
      override: null,
      agentsOnline: 0,
      now: '2026-11-23T10:00:00.000-05:00',
      timezone: NY,
    });
  });

  it('counts agents through the injected provider', async () => {
    t.ctx.services.schedule.setAgentsOnlineProvider(() => 3);
    try {
      expect((await t.client().get('/api/status')).body.agentsOnline).toBe(3);
    } finally {
      t.ctx.services.schedule.setAgentsOnlineProvider(() => t.ctx.services.presence.agentsOnline());
    }
  });

  it('counts an agent with an open desk (a /staff socket) as online, once however many tabs', async () => {
    await t.ctx.services.schedule.setWeek(days(weekdays('09:00-16:30')), 'admin');
    const agent = await staffClient(t, await createStaff(t, 'agent'));
    const tabs = [0, 1].map(() => socketClient(t.url, '/staff', { cookie: agent.cookieHeader() }));
    try {
      await Promise.all(tabs.map((s) => connected(s)));
      await expect.poll(async () => (await t.client().get('/api/status')).body.agentsOnline).toBe(1);
      expect((await t.client().get('/api/status')).body.message).toBe("We're online until 4:30 PM today (EST).");
      tabs[0]!.close();
      await new Promise((r) => setTimeout(r, 100));
      expect((await t.client().get('/api/status')).body.agentsOnline).toBe(1);
    } finally {
      for (const s of tabs) s.close();
    }
    await expect.poll(async () => (await t.client().get('/api/status')).body.agentsOnline).toBe(0);
  });

  it('switches exactly at local midnight, not at UTC midnight', async () => {
    await t.ctx.services.schedule.setWeek(days({ monday: ['18:00-24:00'] }), 'admin');
    // 23:30 Monday in New York is already Tuesday in UTC.
    const late = await statusAt(utc('2026-11-24T04:30'));
    expect(late).toMatchObject({ available: true, now: '2026-11-23T23:30:00.000-05:00' });
    expect(late.closesAt?.text).toBe('12:00 AM tomorrow (EST)');
    expect(late.todaysHours.map((h) => h.text)).toEqual(['6:00 PM – midnight']);
    expect(await statusAt(ny('2026-11-23T23:59:59.999'))).toMatchObject({ available: true });
    const midnight = await statusAt(ny('2026-11-24T00:00'));
    expect(midnight).toMatchObject({
      available: false,
      reason: 'closed_today',
      todaysHours: [],
      message: "We're closed today. Back at 6:00 PM Monday (EST).",
      nextAvailable: { at: '2026-11-30T18:00:00.000-05:00', text: '6:00 PM Monday (EST)' },
    });
  });

  it('shows a closed override with its reason, and the opening after it', async () => {
    await t.ctx.services.schedule.setWeek(days(weekdays('09:00-16:30')), 'admin');
    await t.ctx.services.schedule.createOverride({ date: '2026-11-26', kind: 'closed', reason: 'Thanksgiving' }, 'a');
    const s = await statusAt(ny('2026-11-26T11:00'));
    expect(s).toMatchObject({
      available: false,
      reason: 'override_closed',
      message: "We're closed today (Thanksgiving). Back at 9:00 AM tomorrow (EST).",
      override: { date: '2026-11-26', kind: 'closed', reason: 'Thanksgiving' },
      nextAvailable: { at: '2026-11-27T09:00:00.000-05:00' },
      todaysHours: [],
    });
    // The day before, the next opening skips the holiday.
    expect((await statusAt(ny('2026-11-25T17:00'))).nextAvailable?.text).toBe('9:00 AM Friday (EST)');
  });

  it('shows special hours and returns an HTML reason as inert JSON text', async () => {
    await t.ctx.services.schedule.setWeek(days(weekdays('09:00-16:30')), 'admin');
    const reason = '<img src=x onerror=alert(1)> Christmas Eve';
    await t.ctx.services.schedule.createOverride(
      { date: '2026-12-24', kind: 'hours', intervals: [{ start: '10:00', end: '14:00' }], reason },
      'a',
    );
    clock.set(ny('2026-12-24T12:00'));
    const r = await t.client().get('/api/status');
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.body).toMatchObject({ available: true, reason: 'override_hours', override: { reason } });
    expect(r.body.message).toBe(
      "We're open until 2:00 PM today (EST), but all agents are away right now; leave a message and we'll answer " +
        `as soon as someone is back. Special hours today: ${reason}.`,
    );
    expect(r.text).toContain(JSON.stringify(reason));
    expect(await statusAt(ny('2026-12-24T15:00'))).toMatchObject({ available: false, reason: 'override_hours' });
  });

  it('keeps an overnight shift open after midnight and lists its tail in today’s hours', async () => {
    await t.ctx.services.schedule.setWeek(days({ friday: ['22:00-02:00'] }), 'admin');
    const s = await statusAt(ny('2026-11-28T01:00'));
    expect(s).toMatchObject({
      available: true,
      reason: 'open',
      closesAt: { at: '2026-11-28T02:00:00.000-05:00', text: '2:00 AM today (EST)' },
      todaysHours: [{ start: '00:00', end: '02:00', fromPreviousDay: true, text: 'Midnight – 2:00 AM' }],
    });
    const friday = await statusAt(ny('2026-11-27T21:00'));
    expect(friday.todaysHours).toMatchObject([{ text: '10:00 PM – 2:00 AM (next day)', endsNextDay: true }]);
    expect(await statusAt(ny('2026-11-28T02:00'))).toMatchObject({ available: false, reason: 'closed_today' });
  });

  it('handles New York’s spring-forward night (2026-03-08)', async () => {
    await t.ctx.services.schedule.setWeek(days({ saturday: ['22:00-02:00'], sunday: ['02:30-05:00'] }), 'admin');
    const before = await statusAt(utc('2026-03-08T06:59:59'));
    expect(before).toMatchObject({
      available: true,
      now: '2026-03-08T01:59:59.000-05:00',
      closesAt: { at: '2026-03-08T03:00:00.000-04:00' },
    });
    const after = await statusAt(utc('2026-03-08T07:00'));
    expect(after).toMatchObject({
      available: false,
      now: '2026-03-08T03:00:00.000-04:00',
      nextAvailable: { at: '2026-03-08T03:30:00.000-04:00', text: '3:30 AM today (EDT)' },
    });
    expect(after.todaysHours.map((h) => `${h.start}-${h.end}`)).toEqual(['00:00-03:00', '03:30-05:00']);
  });

  it('handles New York’s fall-back night (2026-11-01): a repeated 01:30 is the first one', async () => {
    await t.ctx.services.schedule.setWeek(days({ sunday: ['00:00-01:30'] }), 'admin');
    expect(await statusAt(utc('2026-11-01T05:29'))).toMatchObject({
      available: true,
      now: '2026-11-01T01:29:00.000-04:00',
    });
    // The clock shows 01:15 again (EST), but the first 01:30 has passed.
    expect(await statusAt(utc('2026-11-01T06:15'))).toMatchObject({
      available: false,
      reason: 'outside_hours',
      now: '2026-11-01T01:15:00.000-05:00',
    });
  });
});

describeEachDialect('GET /api/status on Lord Howe Island', (dialect) => {
  it('follows the 30-minute daylight-saving shifts', async () => {
    const clock = new ManualClock();
    const t = await startTestApp(dialect, { clock, env: { SUPPORT_TIMEZONE: 'Australia/Lord_Howe' } });
    try {
      await t.ctx.services.schedule.setWeek(days({ sunday: ['00:00-01:45', '02:15-04:00'] }), 'admin');
      const at = async (ms: number) => {
        clock.set(ms);
        const body = (await t.client().get<SupportStatusWire>('/api/status')).body;
        expect(body.available).toBe(await t.ctx.services.schedule.isOpenForNewConversation(ms));
        await expectCreationAgrees(t, body);
        return body;
      };
      // 2026-04-05: 02:00 (+11) goes back to 01:30 (+10:30). 15:00Z shows 01:30 the second time: closed.
      expect(await at(utc('2026-04-04T14:44'))).toMatchObject({ available: true });
      expect(await at(utc('2026-04-04T15:00'))).toMatchObject({
        available: false,
        now: '2026-04-05T01:30:00.000+10:30',
      });
      // 2026-10-04: 02:00 (+10:30) jumps to 02:30 (+11); 02:15 does not exist and moves to 02:45.
      const gap = await at(utc('2026-10-03T15:35'));
      expect(gap).toMatchObject({
        available: false,
        now: '2026-10-04T02:35:00.000+11:00',
        nextAvailable: { at: '2026-10-04T02:45:00.000+11:00' },
      });
      expect(await at(utc('2026-10-03T15:45'))).toMatchObject({ available: true });
    } finally {
      await t.stop();
    }
  });
});

describeEachDialect('admin schedule endpoints', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t?.stop());

  const week = days(weekdays('09:00-16:30'));
  const override = { date: '2099-01-01', kind: 'closed', reason: 'x' };
  it.each([
    ['GET', '/api/admin/schedule', undefined],
    ['PUT', '/api/admin/schedule', { days: week }],
    ['POST', '/api/admin/schedule/preset', { preset: 'business' }],
    ['GET', '/api/admin/schedule/overrides', undefined],
    ['POST', '/api/admin/schedule/overrides', override],
    ['GET', '/api/admin/schedule/overrides/2099-01-01', undefined],
    ['PUT', '/api/admin/schedule/overrides/2099-01-01', { kind: 'closed', reason: 'x' }],
    ['DELETE', '/api/admin/schedule/overrides/2099-01-01', undefined],
  ])('%s %s answers 401 without a signed-in admin and changes nothing', async (method, path, body) => {
    const r = await t.client().request(method, path, body);
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: { code: 'unauthenticated', message: 'Please sign in first.' } });
    expect((await t.ctx.services.schedule.getWeek()).configured).toBe(false);
    expect(await t.ctx.services.schedule.listOverrides()).toEqual([]);
  });

  it('documents the endpoints in OpenAPI', async () => {
    const doc = await t.client().get('/api/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/status',
        '/api/admin/schedule',
        '/api/admin/schedule/preset',
        '/api/admin/schedule/overrides',
        '/api/admin/schedule/overrides/{date}',
      ]),
    );
  });
});

describe('admin schedule endpoints with STAFF_PORT', () => {
  it('live on the staff listener only; the status is on both', async () => {
    const t = await startTestApp('sqlite', { separateStaffPort: true });
    try {
      expect((await t.client().get('/api/admin/schedule')).status).toBe(404);
      expect((await t.staffClient().get('/api/admin/schedule')).status).toBe(401);
      expect((await t.client().get('/api/status')).status).toBe(200);
      expect((await t.staffClient().get('/api/status')).status).toBe(200);
    } finally {
      await t.stop();
    }
  });
});
