import { DateTime } from 'luxon';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import type { DomainEventMap } from '../../events/domain-events.js';
import { WEEKDAYS, type WeekdayName } from '../../shared/schedule.schemas.js';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';
import { presentWeek } from './schedule.presenter.js';
import type { ScheduleService } from './schedule.service.js';

const NY = 'America/New_York';
const ny = (iso: string) => DateTime.fromISO(iso, { zone: NY }).toMillis();

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

const businessDays = days(Object.fromEntries(WEEKDAYS.slice(0, 5).map((d) => [d, ['09:00-16:30']])));

describeEachDialect('support hours: ScheduleService', (dialect) => {
  let t: TestApp;
  let schedule: ScheduleService;
  const clock = new ManualClock();
  const events: DomainEventMap['schedule.changed'][] = [];

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock, env: { SUPPORT_TIMEZONE: NY } });
    schedule = t.ctx.services.schedule;
    t.ctx.bus.on('schedule.changed', (e) => void events.push(e));
  });
  afterAll(() => t?.stop());
  beforeEach(async () => {
    // Monday 2026-11-23, 10:00 in New York; back to business hours without overrides.
    clock.set(ny('2026-11-23T10:00'));
    await t.ctx.db.deleteFrom('scheduleOverrides').execute();
    await schedule.setWeek(businessDays, 'admin-1');
    await flush();
    events.length = 0;
  });

  const flush = () => new Promise((r) => setTimeout(r, 0));

  async function expectInvalid(promise: Promise<unknown>, path: string, message: RegExp | string) {
    const err = (await promise.then(
      () => undefined,
      (e: unknown) => e,
    )) as { code: string; details: { fields: { path: string; message: string }[] } } | undefined;
    expect(err, 'expected a validation error').toBeDefined();
    expect(err!.code).toBe('validation_failed');
    expect(err!.details.fields).toContainEqual({
      path,
      message: typeof message === 'string' ? message : expect.stringMatching(message),
    });
  }

  it('stores the week, reads it back in the wire shape, and announces the change after commit', async () => {
    const week = await schedule.setWeek(
      days({ monday: ['09:00-12:00', '13:00-17:00'], friday: ['22:00-02:00'], sunday: ['00:00-24:00'] }),
      'admin-7',
    );
    expect(week).toMatchObject({ configured: true, updatedBy: 'admin-7', updatedAt: clock.now() });
    const stored = presentWeek(await schedule.getWeek(), schedule.timezone);
    expect(stored.days.monday).toEqual([
      { start: '09:00', end: '12:00' },
      { start: '13:00', end: '17:00' },
    ]);
    expect(stored.days.friday).toEqual([{ start: '22:00', end: '02:00' }]);
    expect(stored.days.sunday).toEqual([{ start: '00:00', end: '24:00' }]);
    expect(stored.days.tuesday).toEqual([]);
    expect(stored.timezone).toBe(NY);
    await flush();
    expect(events).toEqual([{ version: expect.any(Number), scope: 'week', date: null }]);
  });

  it.each([
    ['25:00', { monday: ['09:00-25:00'] }, 'days.monday.0.end', /"25:00" is not a time of day/],
    ['24:01', { monday: ['09:00-24:01'] }, 'days.monday.0.end', /not a time of day/],
    ['start = end', { tuesday: ['10:00-10:00'] }, 'days.tuesday.0.end', /must differ from the start/],
    ['overlap in a day', { wednesday: ['09:00-12:00', '11:30-13:00'] }, 'days.wednesday.1', /overlaps 09:00–12:00/],
    [
      'overnight spill-over',
      { friday: ['22:00-02:00'], saturday: ['01:00-03:00'] },
      'days.saturday.0',
      /Friday's overnight 22:00–02:00/,
    ],
  ])('refuses a week with %s, keeping the old one and announcing nothing', async (_name, spec, path, message) => {
    await expectInvalid(schedule.setWeek(days(spec), 'admin-1'), path, message);
    expect(presentWeek(await schedule.getWeek(), NY).days.monday).toEqual([{ start: '09:00', end: '16:30' }]);
    await flush();
    expect(events).toEqual([]);
  });

  it('applies a preset to the chosen days and keeps the others', async () => {
    await schedule.applyPreset('weekend', undefined, 'admin-1');
    let week = presentWeek(await schedule.getWeek(), NY);
    expect(week.days.saturday).toEqual([{ start: '10:00', end: '15:00' }]);
    expect(week.days.monday).toEqual([{ start: '09:00', end: '16:30' }]);
    await schedule.applyPreset('finals', ['monday', 'tuesday'], 'admin-1');
    await schedule.applyPreset('closed', ['friday'], 'admin-1');
    week = presentWeek(await schedule.getWeek(), NY);
    expect(week.days.monday).toEqual([{ start: '09:00', end: '19:00' }]);
    expect(week.days.wednesday).toEqual([{ start: '09:00', end: '16:30' }]);
    expect(week.days.friday).toEqual([]);
    await expectInvalid(schedule.applyPreset('brunch', undefined, 'admin-1'), 'preset', /Choose one of/);
  });

  it('answers open or closed from the stored schedule, the same for status and conversation creation', async () => {
    for (const at of [
      '2026-11-23T08:59:59',
      '2026-11-23T09:00',
      '2026-11-23T16:29',
      '2026-11-23T16:30',
      '2026-11-28T12:00',
    ]) {
      const status = await schedule.status(ny(at));
      expect(await schedule.isOpenForNewConversation(ny(at))).toBe(status.availability.available);
    }
    expect((await schedule.status(ny('2026-11-23T12:00'))).availability.available).toBe(true);
    expect((await schedule.status(ny('2026-11-28T12:00'))).availability).toMatchObject({
      available: false,
      reason: 'closed_today',
    });
    expect((await schedule.status()).agentsOnline).toBe(0);
  });

  it('creates, reads, edits and deletes an override, announcing each change', async () => {
    const created = await schedule.createOverride(
      { date: '2026-11-26', kind: 'closed', reason: 'Thanksgiving' },
      'admin-2',
    );
    expect(created).toMatchObject({ date: '2026-11-26', kind: 'closed', createdBy: 'admin-2', intervals: [] });
    expect((await schedule.status(ny('2026-11-26T12:00'))).availability).toMatchObject({
      available: false,
      reason: 'override_closed',
    });

    const edited = await schedule.updateOverride(
      '2026-11-26',
      { kind: 'hours', intervals: [{ start: '10:00', end: '13:00' }], reason: 'Thanksgiving (short day)' },
      'admin-3',
    );
    expect(edited).toMatchObject({
      kind: 'hours',
      reason: 'Thanksgiving (short day)',
      createdBy: 'admin-2',
      updatedBy: 'admin-3',
    });
    expect((await schedule.getOverride('2026-11-26')).intervals).toEqual([{ start: 600, end: 780 }]);
    expect(await schedule.isOpenForNewConversation(ny('2026-11-26T12:00'))).toBe(true);
    expect(await schedule.listOverrides()).toHaveLength(1);

    await schedule.deleteOverride('2026-11-26', 'admin-3');
    await expect(schedule.getOverride('2026-11-26')).rejects.toMatchObject({ code: 'not_found' });
    await flush();
    expect(events.map((e) => [e.scope, e.date])).toEqual([
      ['override', '2026-11-26'],
      ['override', '2026-11-26'],
      ['override', '2026-11-26'],
    ]);
  });

  it('refuses an override in the past, judged in the support timezone', async () => {
    // 03:00 UTC on the 24th is still the 23rd in New York: the 23rd is today there, the 22nd is past.
    clock.set(Date.UTC(2026, 10, 24, 3, 0));
    await schedule.createOverride({ date: '2026-11-23', kind: 'closed', reason: 'Late closure' }, 'a');
    await expectInvalid(
      schedule.createOverride({ date: '2026-11-22', kind: 'closed', reason: 'Too late' }, 'a'),
      'date',
      '2026-11-22 is in the past (today is 2026-11-23 in America/New_York)',
    );
    await expectInvalid(
      schedule.updateOverride('2026-11-22', { kind: 'closed', reason: 'x' }, 'a'),
      'date',
      /is in the past/,
    );
    await expectInvalid(
      schedule.createOverride({ date: '2029-01-01', kind: 'closed', reason: 'Far away' }, 'a'),
      'date',
      /up to 2028-11-22/,
    );
  });

  it('refuses a second override for the same date, also when two arrive at once', async () => {
    const input = { date: '2026-12-25', kind: 'closed', reason: 'Christmas' };
    await schedule.createOverride(input, 'a');
    await expect(schedule.createOverride(input, 'b')).rejects.toMatchObject({
      code: 'override_exists',
      status: 409,
      details: { fields: [{ path: 'date', message: '2026-12-25 already has an override' }] },
    });

    const racing = { date: '2026-12-31', kind: 'closed', reason: 'New Year’s Eve' };
    const results = await Promise.allSettled([
      schedule.createOverride(racing, 'a'),
      schedule.createOverride(racing, 'b'),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({
      code: 'override_exists',
    });
  });

  it('refuses start = end, 25:00 and overlaps in special hours', async () => {
    const base = { date: '2026-12-02', kind: 'hours', reason: 'Open day' };
    await expectInvalid(
      schedule.createOverride({ ...base, intervals: [{ start: '12:00', end: '12:00' }] }, 'a'),
      'intervals.0.end',
      /must differ/,
    );
    await expectInvalid(
      schedule.createOverride({ ...base, intervals: [{ start: '25:00', end: '26:00' }] }, 'a'),
      'intervals.0.start',
      /not a time of day/,
    );
    await expectInvalid(
      schedule.createOverride(
        {
          ...base,
          intervals: [
            { start: '10:00', end: '12:00' },
            { start: '11:00', end: '13:00' },
          ],
        },
        'a',
      ),
      'intervals',
      '11:00–13:00 overlaps 10:00–12:00 on 2026-12-02',
    );
  });

  it('refuses special hours that collide with the previous day’s overnight shift, and a delete that would', async () => {
    await schedule.setWeek({ ...businessDays, friday: [{ start: '22:00', end: '02:00' }] }, 'a');
    // Saturday 2026-11-28 after Friday's 22:00–02:00.
    await expectInvalid(
      schedule.createOverride(
        { date: '2026-11-28', kind: 'hours', intervals: [{ start: '01:00', end: '04:00' }], reason: 'Inventory' },
        'a',
      ),
      'intervals',
      /22:00–02:00 on Friday 2026-11-27 \(weekly hours\) runs past midnight into 01:00–04:00/,
    );
    await schedule.createOverride(
      { date: '2026-11-28', kind: 'hours', intervals: [{ start: '02:00', end: '04:00' }], reason: 'Inventory' },
      'a',
    );

    // Tuesday 2026-12-01 works through the night into Wednesday; Wednesday is closed by an override.
    await schedule.createOverride({ date: '2026-12-02', kind: 'closed', reason: 'Staff day' }, 'a');
    await schedule.createOverride(
      { date: '2026-12-01', kind: 'hours', intervals: [{ start: '20:00', end: '10:00' }], reason: 'Night shift' },
      'a',
    );
    // Deleting Wednesday's override would bring back 09:00–16:30 inside Tuesday's night.
    await expectInvalid(
      schedule.deleteOverride('2026-12-02', 'a'),
      'date',
      '20:00–10:00 on Tuesday 2026-12-01 (special hours) runs past midnight into 09:00–16:30 on Wednesday 2026-12-02 (weekly hours)',
    );
    await schedule.getOverride('2026-12-02');

    // And a weekly change that would collide with an override is refused too.
    await expectInvalid(
      schedule.setWeek({ ...businessDays, friday: [{ start: '22:00', end: '03:00' }] }, 'a'),
      'days',
      /Conflicts with the override on 2026-11-28/,
    );
  });

  it('stores an HTML reason as inert text', async () => {
    const reason = '<script>alert("x")</script> & <b>closed</b>';
    await schedule.createOverride({ date: '2026-12-24', kind: 'closed', reason }, 'a');
    expect((await schedule.getOverride('2026-12-24')).reason).toBe(reason);
    const status = await schedule.status(ny('2026-12-24T12:00'));
    expect(status.availability.activeOverride?.reason).toBe(reason);
  });

  it('answers not_found for an unknown override and validation_failed for a malformed date', async () => {
    await expect(schedule.updateOverride('2026-12-30', { kind: 'closed', reason: 'x' }, 'a')).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(schedule.deleteOverride('2026-12-30', 'a')).rejects.toMatchObject({ code: 'not_found' });
    await expectInvalid(schedule.getOverride('tomorrow'), 'date', /YYYY-MM-DD/);
  });

  it('init-schedule: writes a preset once, leaves it alone without force, replaces it with force', async () => {
    // beforeEach configured the week, so a plain initialise leaves it alone.
    await schedule.setWeek(days({ sunday: ['10:00-11:00'] }), 'a');
    const kept = await schedule.initialise('extended', { force: false });
    expect(kept.written).toBe(false);
    expect(presentWeek(kept.week, NY).days.sunday).toEqual([{ start: '10:00', end: '11:00' }]);
    const forced = await schedule.initialise('extended', { force: true });
    expect(forced.written).toBe(true);
    const week = presentWeek(await schedule.getWeek(), NY);
    expect(week.days.monday).toEqual([{ start: '09:00', end: '18:00' }]);
    expect(week.days.sunday).toEqual([]);
  });
});

describeEachDialect('support hours: a fresh installation', (dialect) => {
  it('is open around the clock until hours are configured, then follows them', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 28, 3, 0)); // a Saturday night
    const t = await startTestApp(dialect, { clock });
    try {
      const schedule = t.ctx.services.schedule;
      expect((await schedule.getWeek()).configured).toBe(false);
      expect((await schedule.status()).availability).toMatchObject({ available: true, reason: 'open' });
      const written = await schedule.initialise('business', { force: false });
      expect(written.written).toBe(true);
      expect((await schedule.getWeek()).configured).toBe(true);
      expect((await schedule.status()).availability).toMatchObject({ available: false, reason: 'closed_today' });
    } finally {
      await t.stop();
    }
  });
});
