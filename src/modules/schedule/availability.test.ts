import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { WEEKDAYS, type WeekdayName } from '../../shared/schedule.schemas.js';
import {
  ALWAYS_OPEN,
  computeAvailability,
  localTimeToInstant,
  type DateOverride,
  type WeeklySchedule,
} from './availability.js';
import { toInterval } from './schedule.validation.js';

/** week({ friday: ['22:00-02:00'] }) */
function week(days: Partial<Record<WeekdayName, string[]>>): WeeklySchedule {
  return WEEKDAYS.map((d) => (days[d] ?? []).map(parseRange));
}

function parseRange(range: string) {
  const [start, end] = range.split('-') as [string, string];
  return toInterval({ start, end });
}

function overrides(...list: [string, 'closed' | 'hours', string[], string][]): Map<string, DateOverride> {
  return new Map(
    list.map(([date, kind, ranges, reason]) => [date, { date, kind, intervals: ranges.map(parseRange), reason }]),
  );
}

/** Local wall-clock time in `zone` → epoch ms (only for unambiguous times). */
const local = (iso: string, zone = 'UTC') => DateTime.fromISO(iso, { zone }).toMillis();
const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' }).toMillis();
const show = (ms: number | null, zone = 'UTC') => (ms === null ? null : DateTime.fromMillis(ms, { zone }).toISO());

const business = week(Object.fromEntries(WEEKDAYS.slice(0, 5).map((d) => [d, ['09:00-16:30']])));

function status(w: WeeklySchedule, at: number, zone = 'UTC', o = new Map<string, DateOverride>()) {
  return computeAvailability({ week: w, overrides: o, timezone: zone, at });
}

describe('availability: weekly schedule', () => {
  it('opens at the start minute and closes at the end minute (half-open interval)', () => {
    // 2026-11-23 is a Monday.
    expect(status(business, local('2026-11-23T08:59:59.999')).available).toBe(false);
    expect(status(business, local('2026-11-23T09:00')).available).toBe(true);
    expect(status(business, local('2026-11-23T16:29:59.999')).available).toBe(true);
    const after = status(business, local('2026-11-23T16:30'));
    expect(after).toMatchObject({ available: false, reason: 'outside_hours' });
    expect(show(after.nextOpening)).toBe('2026-11-24T09:00:00.000Z');
  });

  it('handles the midnight boundary: open until 24:00 Monday, closed at 00:00 Tuesday', () => {
    const w = week({ monday: ['18:00-24:00'] });
    const before = status(w, local('2026-11-23T23:59:59.999'));
    expect(before).toMatchObject({ available: true, reason: 'open' });
    expect(show(before.closesAt)).toBe('2026-11-24T00:00:00.000Z');
    expect(before.todaysHours.map((h) => `${h.start}-${h.end}`)).toEqual(['18:00-24:00']);
    const midnight = status(w, local('2026-11-24T00:00'));
    expect(midnight).toMatchObject({ available: false, reason: 'closed_today', today: '2026-11-24' });
    expect(midnight.todaysHours).toEqual([]);
    expect(show(midnight.nextOpening)).toBe('2026-11-30T18:00:00.000Z');
  });

  it('counts 00:00 as the first minute of the day', () => {
    const w = week({ monday: ['00:00-09:00'] });
    expect(status(w, local('2026-11-22T23:59:59.999')).available).toBe(false);
    expect(status(w, local('2026-11-23T00:00')).available).toBe(true);
  });

  it('keeps an overnight Friday 22:00–02:00 shift open on Saturday at 01:00, and lists its tail as today', () => {
    const w = week({ friday: ['22:00-02:00'] });
    const friday = status(w, local('2026-11-27T21:59'));
    expect(friday).toMatchObject({ available: false, reason: 'outside_hours' });
    expect(show(friday.nextOpening)).toBe('2026-11-27T22:00:00.000Z');
    expect(friday.todaysHours).toMatchObject([
      { start: '22:00', end: '02:00', endsNextDay: true, fromPreviousDay: false },
    ]);

    const saturday = status(w, local('2026-11-28T01:00'));
    expect(saturday).toMatchObject({ available: true, reason: 'open', today: '2026-11-28', nextOpening: null });
    expect(show(saturday.closesAt)).toBe('2026-11-28T02:00:00.000Z');
    expect(saturday.todaysHours).toMatchObject([
      { start: '00:00', end: '02:00', fromPreviousDay: true, endsNextDay: false },
    ]);

    const closed = status(w, local('2026-11-28T02:00'));
    expect(closed).toMatchObject({ available: false, reason: 'closed_today' });
    expect(show(closed.nextOpening)).toBe('2026-12-04T22:00:00.000Z');
  });

  it('treats 00:00–24:00 as a full day and merges consecutive full days into one opening', () => {
    const w = week({ wednesday: ['00:00-24:00'], thursday: ['00:00-24:00'] });
    const wed = status(w, local('2026-11-25T00:00'));
    expect(wed.available).toBe(true);
    expect(wed.todaysHours).toMatchObject([{ start: '00:00', end: '24:00', endsNextDay: false }]);
    expect(show(wed.closesAt)).toBe('2026-11-27T00:00:00.000Z');
    expect(status(w, local('2026-11-26T23:59:59.999')).available).toBe(true);
    expect(status(w, local('2026-11-27T00:00'))).toMatchObject({ available: false, reason: 'closed_today' });
  });

  it('merges an overnight shift with the next day’s opening that starts when it ends', () => {
    const w = week({ friday: ['20:00-02:00'], saturday: ['02:00-05:00'] });
    const s = status(w, local('2026-11-27T23:00'));
    expect(show(s.closesAt)).toBe('2026-11-28T05:00:00.000Z');
  });

  it('says closed_today on a day without hours and finds Monday’s opening from the weekend', () => {
    const s = status(business, local('2026-11-28T12:00'));
    expect(s).toMatchObject({ available: false, reason: 'closed_today', activeOverride: null });
    expect(show(s.nextOpening)).toBe('2026-11-30T09:00:00.000Z');
  });

  it('finds the next opening a full week ahead', () => {
    const w = week({ monday: ['09:00-10:00'] });
    expect(show(status(w, local('2026-11-23T10:00')).nextOpening)).toBe('2026-11-30T09:00:00.000Z');
  });

  it('gives no next opening when nothing opens within the horizon, and no closing when open throughout', () => {
    const closed = status(week({}), local('2026-11-23T10:00'));
    expect(closed).toMatchObject({ available: false, nextOpening: null, closesAt: null });
    const open = status(ALWAYS_OPEN, local('2026-11-23T10:00'));
    expect(open).toMatchObject({ available: true, closesAt: null, nextOpening: null });
  });

  it('reports the next change: the closing, or local midnight when that comes first', () => {
    expect(show(status(business, local('2026-11-23T10:00')).nextChangeAt)).toBe('2026-11-23T16:30:00.000Z');
    expect(show(status(business, local('2026-11-27T20:00')).nextChangeAt)).toBe('2026-11-28T00:00:00.000Z');
    expect(show(status(ALWAYS_OPEN, local('2026-11-23T10:00')).nextChangeAt)).toBe('2026-11-24T00:00:00.000Z');
  });
});

describe('availability: date overrides', () => {
  const thanksgiving = overrides(['2026-11-26', 'closed', [], 'Thanksgiving']);

  it('closes a whole day with a reason and opens again the next working day', () => {
    const s = status(business, local('2026-11-26T10:00'), 'UTC', thanksgiving);
    expect(s).toMatchObject({ available: false, reason: 'override_closed' });
    expect(s.activeOverride).toMatchObject({ date: '2026-11-26', reason: 'Thanksgiving' });
    expect(s.todaysHours).toEqual([]);
    expect(show(s.nextOpening)).toBe('2026-11-27T09:00:00.000Z');
  });

  it('skips a closed override when looking for the next opening', () => {
    const s = status(business, local('2026-11-25T17:00'), 'UTC', thanksgiving);
    expect(show(s.nextOpening)).toBe('2026-11-27T09:00:00.000Z');
    const monday = overrides(['2026-11-30', 'closed', [], 'Staff training']);
    expect(show(status(business, local('2026-11-27T17:00'), 'UTC', monday).nextOpening)).toBe(
      '2026-12-01T09:00:00.000Z',
    );
  });

  it('uses special hours instead of the weekly ones, open or not', () => {
    const eve = overrides(['2026-12-24', 'hours', ['10:00-14:00'], 'Christmas Eve']);
    const early = status(business, local('2026-12-24T09:30'), 'UTC', eve);
    expect(early).toMatchObject({ available: false, reason: 'override_hours' });
    expect(show(early.nextOpening)).toBe('2026-12-24T10:00:00.000Z');
    expect(early.todaysHours).toMatchObject([{ start: '10:00', end: '14:00' }]);
    expect(status(business, local('2026-12-24T12:00'), 'UTC', eve)).toMatchObject({
      available: true,
      reason: 'override_hours',
    });
    const late = status(business, local('2026-12-24T15:00'), 'UTC', eve);
    expect(late).toMatchObject({ available: false, reason: 'override_hours' });
    expect(show(late.nextOpening)).toBe('2026-12-25T09:00:00.000Z');
  });

  it('opens on a weekend day with special hours (the next opening comes from the override)', () => {
    const saturday = overrides(['2026-11-28', 'hours', ['12:00-15:00'], 'Open day']);
    expect(show(status(business, local('2026-11-27T17:00'), 'UTC', saturday).nextOpening)).toBe(
      '2026-11-28T12:00:00.000Z',
    );
  });

  it('lets an overnight special shift run into the next day, which counts as open because of the override', () => {
    const o = overrides(['2026-12-31', 'hours', ['20:00-02:00'], 'New Year’s Eve']);
    const s = status(business, local('2027-01-01T01:00'), 'UTC', o);
    expect(s).toMatchObject({ available: true, reason: 'override_hours', activeOverride: null });
    // 2027-01-01 is a Friday: the tail of the night, then the weekly hours.
    expect(s.todaysHours).toMatchObject([
      { start: '00:00', end: '02:00', fromPreviousDay: true },
      { start: '09:00', end: '16:30', fromPreviousDay: false },
    ]);
  });
});

describe('availability across daylight-saving changes', () => {
  const ny = 'America/New_York';
  const lh = 'Australia/Lord_Howe';

  it('converts local times with Luxon: a missing time moves forward, a repeated one takes its first occurrence', () => {
    // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    expect(show(localTimeToInstant('2026-03-08', 120, ny), 'utc')).toBe('2026-03-08T07:00:00.000Z');
    expect(show(localTimeToInstant('2026-03-08', 150, ny), 'utc')).toBe('2026-03-08T07:30:00.000Z');
    // New York, 2026-11-01: 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    expect(show(localTimeToInstant('2026-11-01', 90, ny), 'utc')).toBe('2026-11-01T05:30:00.000Z');
    expect(show(localTimeToInstant('2026-11-01', 60, ny), 'utc')).toBe('2026-11-01T05:00:00.000Z');
    // Lord Howe, 2026-04-05: 02:00 (+11) goes back to 01:30 (+10:30).
    expect(show(localTimeToInstant('2026-04-05', 105, lh), 'utc')).toBe('2026-04-04T14:45:00.000Z');
    // Lord Howe, 2026-10-04: 02:00 (+10:30) jumps to 02:30 (+11).
    expect(show(localTimeToInstant('2026-10-04', 135, lh), 'utc')).toBe('2026-10-03T15:45:00.000Z');
  });

  it('New York spring forward (2026-03-08): an overnight shift ending at 02:00 ends when 01:59 EST is over', () => {
    const w = week({ saturday: ['22:00-02:00'], sunday: ['02:30-05:00'] });
    const last = status(w, utc('2026-03-08T06:59:59.999'), ny); // 01:59:59 EST
    expect(last).toMatchObject({ available: true, today: '2026-03-08' });
    expect(show(last.closesAt, 'utc')).toBe('2026-03-08T07:00:00.000Z');
    expect(last.todaysHours).toMatchObject([
      { start: '00:00', end: '03:00', fromPreviousDay: true },
      { start: '03:30', end: '05:00', fromPreviousDay: false },
    ]);
    const gap = status(w, utc('2026-03-08T07:00'), ny); // 03:00 EDT
    expect(gap).toMatchObject({ available: false, reason: 'outside_hours' });
    // 02:30 does not exist that night: the opening moves forward to 03:30 EDT.
    expect(show(gap.nextOpening, ny)).toBe('2026-03-08T03:30:00.000-04:00');
    expect(status(w, utc('2026-03-08T07:30'), ny).available).toBe(true);
  });

  it('New York spring forward: an interval entirely inside the gap never opens', () => {
    const w = week({ sunday: ['02:00-03:00', '09:00-10:00'] });
    const s = status(w, utc('2026-03-08T06:00'), ny);
    expect(s.todaysHours.map((h) => `${h.start}-${h.end}`)).toEqual(['09:00-10:00']);
    expect(show(s.nextOpening, ny)).toBe('2026-03-08T09:00:00.000-04:00');
  });

  it('New York fall back (2026-11-01): 01:30 is the first 01:30, an hour before the clock shows it again', () => {
    const w = week({ saturday: ['22:00-01:30'], sunday: ['01:30-03:00'] });
    // 22:00 EDT Saturday to the first 01:30 (EDT), then 01:30 EDT to 03:00 EST: one opening of 6 real hours.
    const s = status(w, utc('2026-11-01T03:00'), ny); // 23:00 EDT Saturday
    expect(show(s.closesAt, 'utc')).toBe('2026-11-01T08:00:00.000Z');
    expect(status(w, utc('2026-11-01T06:15'), ny).available).toBe(true); // 01:15 EST (second pass)

    const morning = week({ sunday: ['00:00-01:30'] });
    expect(status(morning, utc('2026-11-01T05:29:59.999'), ny).available).toBe(true); // 01:29 EDT
    const second = status(morning, utc('2026-11-01T06:15'), ny); // 01:15 EST: wall clock inside, but later
    expect(second).toMatchObject({ available: false, reason: 'outside_hours' });
    expect(second.todaysHours).toMatchObject([{ start: '00:00', end: '01:30' }]);
  });

  it('New York fall back: 01:00–02:00 lasts two real hours', () => {
    const w = week({ sunday: ['01:00-02:00'] });
    const s = status(w, utc('2026-11-01T05:00'), ny);
    expect(s.available).toBe(true);
    expect((s.closesAt! - utc('2026-11-01T05:00')) / 3_600_000).toBe(2);
  });

  it('Lord Howe fall back (2026-04-05, 30 minutes): the repeated half hour counts once, the first time', () => {
    const w = week({ sunday: ['00:00-01:45'] });
    expect(status(w, utc('2026-04-04T14:44'), lh).available).toBe(true); // 01:44 +11:00
    // 15:00Z is 01:30 +10:30: the wall clock shows 01:30 again, but 01:45 (first) has passed.
    expect(status(w, utc('2026-04-04T15:00'), lh)).toMatchObject({ available: false, reason: 'outside_hours' });
    const night = week({ saturday: ['22:00-02:00'] });
    const s = status(night, utc('2026-04-04T14:00'), lh); // 01:00 +11 Sunday
    // 02:00 exists once (+10:30): the shift lasts 4.5 real hours.
    expect(show(s.closesAt, 'utc')).toBe('2026-04-04T15:30:00.000Z');
  });

  it('Lord Howe spring forward (2026-10-04, 30 minutes): 02:15 moves to 02:45', () => {
    const w = week({ saturday: ['22:00-02:15'], sunday: ['02:15-04:00'] });
    const s = status(w, utc('2026-10-03T15:00'), lh); // 01:30 +10:30 Sunday
    expect(s).toMatchObject({ available: true, today: '2026-10-04' });
    expect(show(s.closesAt, lh)).toBe('2026-10-04T04:00:00.000+11:00');
    expect(s.todaysHours).toMatchObject([
      { start: '00:00', end: '02:45', fromPreviousDay: true },
      { start: '02:45', end: '04:00' },
    ]);
    const gap = week({ sunday: ['02:00-02:30', '09:00-12:00'] });
    expect(status(gap, utc('2026-10-03T15:35'), lh).todaysHours.map((h) => h.start)).toEqual(['09:00']);
  });

  it('uses the support timezone for "today": 23:30 in New York is already tomorrow in UTC', () => {
    const w = week({ monday: ['09:00-16:30'] });
    const s = status(w, utc('2026-11-24T04:30'), ny); // Monday 23:30 EST
    expect(s.today).toBe('2026-11-23');
    expect(s.reason).toBe('outside_hours');
  });
});
