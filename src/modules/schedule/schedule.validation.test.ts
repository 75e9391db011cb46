import { describe, expect, it } from 'vitest';
import { zodFieldProblems } from '../../shared/validation.js';
import {
  WEEKDAYS,
  overrideInputSchema,
  parseClockTime,
  presetInputSchema,
  weekInputSchema,
  type WeekdayName,
} from '../../shared/schedule.schemas.js';
import type { DateOverride } from './availability.js';
import { overrideConflicts, toInterval, weekFromText, weekProblems } from './schedule.validation.js';

function weekInput(days: Partial<Record<WeekdayName, string[]>>) {
  return {
    days: Object.fromEntries(
      WEEKDAYS.map((d) => [
        d,
        (days[d] ?? []).map((r) => {
          const [start, end] = r.split('-');
          return { start, end };
        }),
      ]),
    ),
  };
}

function problemsOf(schema: { safeParse(v: unknown): { success: boolean; error?: unknown } }, value: unknown) {
  const r = schema.safeParse(value);
  return r.success ? [] : zodFieldProblems(r.error as never);
}

/** Parses the wire input and returns the overlap problems of the resulting week. */
function weekOverlaps(days: Partial<Record<WeekdayName, string[]>>) {
  const parsed = weekInputSchema.parse(weekInput(days));
  return weekProblems(weekFromText(parsed.days));
}

describe('times of day', () => {
  it.each([
    ['09:00', 'start', 540],
    ['9:05', 'start', 545],
    ['00:00', 'start', 0],
    ['23:59', 'end', 1439],
    ['24:00', 'end', 1440],
  ] as const)('reads %s as a %s', (text, role, minutes) => {
    expect(parseClockTime(text, role)).toBe(minutes);
  });

  it.each([
    ['25:00', 'end', /not a time of day/],
    ['24:01', 'end', /not a time of day \(00:00–23:59, or 24:00 for midnight\)/],
    ['24:00', 'start', /24:00 can only end an interval/],
    ['12:60', 'start', /not a time of day/],
    ['noon', 'start', /use HH:MM/],
    ['-1:00', 'start', /use HH:MM/],
  ] as const)('refuses %s as a %s', (text, role, message) => {
    const r = parseClockTime(text, role);
    expect(typeof r).toBe('object');
    expect((r as { error: string }).error).toMatch(message);
  });
});

describe('weekly schedule input', () => {
  it('accepts business hours, an overnight shift and a full day', () => {
    expect(
      weekOverlaps({
        monday: ['09:00-16:30'],
        friday: ['09:00-12:00', '22:00-02:00'],
        saturday: ['02:00-24:00'],
        sunday: ['00:00-24:00'],
      }),
    ).toEqual([]);
  });

  it('refuses 25:00 with a field error on the interval', () => {
    const problems = problemsOf(weekInputSchema, weekInput({ monday: ['09:00-25:00'] }));
    expect(problems).toEqual([{ path: 'days.monday.0.end', message: expect.stringMatching(/"25:00" is not a time/) }]);
  });

  it('refuses a start equal to the end', () => {
    const problems = problemsOf(weekInputSchema, weekInput({ tuesday: ['10:00-10:00'] }));
    expect(problems).toEqual([
      { path: 'days.tuesday.0.end', message: 'The end must differ from the start (a full day is 00:00–24:00)' },
    ]);
    // 00:00–00:00 would mean "24 hours from midnight" to some and "nothing" to others: 00:00–24:00 says it.
    expect(problemsOf(weekInputSchema, weekInput({ tuesday: ['00:00-00:00'] }))).toHaveLength(1);
  });

  it('refuses an unknown day, a missing day, and more than eight intervals a day', () => {
    const input = weekInput({});
    (input.days as Record<string, unknown>).funday = [];
    expect(
      problemsOf(weekInputSchema, input)
        .map((p) => p.message)
        .join(),
    ).toMatch(/funday/);
    const missing = weekInput({});
    delete (missing.days as Record<string, unknown>).sunday;
    expect(problemsOf(weekInputSchema, missing).map((p) => p.path)).toEqual(['days.sunday']);
    const many = weekInput({ monday: Array.from({ length: 9 }, (_, i) => `0${i}:00-0${i}:30`) });
    expect(problemsOf(weekInputSchema, many)[0]?.message).toMatch(/At most 8 intervals/);
  });

  it('refuses overlapping intervals within a day', () => {
    expect(weekOverlaps({ wednesday: ['09:00-12:00', '11:00-13:00'] })).toEqual([
      { path: 'days.wednesday.1', message: '11:00–13:00 overlaps 09:00–12:00 on Wednesday' },
    ]);
    // Touching is fine.
    expect(weekOverlaps({ wednesday: ['09:00-12:00', '12:00-13:00'] })).toEqual([]);
  });

  it('refuses an overnight interval that overlaps a later one on its own day', () => {
    expect(weekOverlaps({ thursday: ['20:00-02:00', '23:00-24:00'] })).toHaveLength(1);
  });

  it('refuses a morning interval that overlaps the previous day’s overnight spill-over', () => {
    expect(weekOverlaps({ friday: ['22:00-02:00'], saturday: ['01:00-05:00'] })).toEqual([
      {
        path: 'days.saturday.0',
        message: "01:00–05:00 overlaps Friday's overnight 22:00–02:00, which runs until 02:00 on Saturday",
      },
    ]);
    expect(weekOverlaps({ friday: ['22:00-02:00'], saturday: ['02:00-05:00'] })).toEqual([]);
  });

  it('wraps the week: Sunday’s overnight shift runs into Monday', () => {
    expect(weekOverlaps({ sunday: ['20:00-08:00'], monday: ['07:00-09:00'] })).toMatchObject([
      { path: 'days.monday.0' },
    ]);
  });
});

describe('presets', () => {
  it('accepts a preset with or without days, refuses unknown presets and repeated days', () => {
    expect(presetInputSchema.safeParse({ preset: 'weekend' }).success).toBe(true);
    expect(presetInputSchema.safeParse({ preset: 'finals', days: ['monday', 'friday'] }).success).toBe(true);
    expect(problemsOf(presetInputSchema, { preset: 'lunch' })[0]).toMatchObject({ path: 'preset' });
    expect(problemsOf(presetInputSchema, { preset: 'business', days: ['monday', 'monday'] })[0]?.message).toBe(
      'Each day at most once',
    );
    expect(problemsOf(presetInputSchema, { preset: 'business', days: ['someday'] })[0]?.path).toBe('days.0');
  });
});

describe('date override input', () => {
  const valid = { date: '2026-12-25', kind: 'closed', reason: 'Christmas' };

  it('accepts a closed day and special hours', () => {
    expect(overrideInputSchema.parse(valid)).toEqual({ ...valid, intervals: [] });
    expect(
      overrideInputSchema.safeParse({ ...valid, kind: 'hours', intervals: [{ start: '10:00', end: '14:00' }] }).success,
    ).toBe(true);
  });

  it('requires a reason of at most 200 characters', () => {
    expect(problemsOf(overrideInputSchema, { ...valid, reason: '   ' })).toEqual([
      { path: 'reason', message: 'Give a reason visitors will see, e.g. Thanksgiving' },
    ]);
    expect(problemsOf(overrideInputSchema, { date: '2026-12-25', kind: 'closed' })[0]?.path).toBe('reason');
    expect(problemsOf(overrideInputSchema, { ...valid, reason: 'x'.repeat(201) })[0]?.message).toMatch(/at most 200/);
    // Counted in characters, not UTF-16 units: 200 emoji fit.
    expect(overrideInputSchema.safeParse({ ...valid, reason: '🎄'.repeat(200) }).success).toBe(true);
  });

  it('keeps HTML in a reason as inert text, and strips control and bidi-override characters', () => {
    const html = '<img src=x onerror=alert(1)> <b>Closed</b>';
    expect(overrideInputSchema.parse({ ...valid, reason: html }).reason).toBe(html);
    expect(overrideInputSchema.parse({ ...valid, reason: ' Snow\nday\u202E ' }).reason).toBe('Snow day');
  });

  it('refuses a wrong date, hours on a closed day, and special hours without intervals', () => {
    expect(problemsOf(overrideInputSchema, { ...valid, date: '2026-02-30' })).toEqual([
      { path: 'date', message: 'There is no such date' },
    ]);
    expect(problemsOf(overrideInputSchema, { ...valid, date: '25/12/2026' })[0]?.message).toMatch(/YYYY-MM-DD/);
    expect(
      problemsOf(overrideInputSchema, { ...valid, intervals: [{ start: '10:00', end: '12:00' }] })[0],
    ).toMatchObject({ path: 'intervals', message: 'A closed day has no opening hours' });
    expect(problemsOf(overrideInputSchema, { ...valid, kind: 'hours' })[0]).toMatchObject({
      path: 'intervals',
      message: 'Special hours need at least one interval',
    });
    expect(
      problemsOf(overrideInputSchema, { ...valid, kind: 'hours', intervals: [{ start: '10:00', end: '24:01' }] })[0]
        ?.path,
    ).toBe('intervals.0.end');
  });

  it('refuses objects and arrays where strings belong, and unknown keys', () => {
    expect(problemsOf(overrideInputSchema, { ...valid, reason: { toString: 'x' } })[0]?.path).toBe('reason');
    expect(problemsOf(overrideInputSchema, { ...valid, date: ['2026-12-25'] })[0]?.path).toBe('date');
    expect(problemsOf(overrideInputSchema, { ...valid, createdBy: 'me' })[0]?.message).toMatch(/createdBy/);
  });
});

describe('overrides against their neighbours', () => {
  const week = weekFromText(
    weekInputSchema.parse(weekInput({ friday: ['22:00-02:00'], monday: ['09:00-17:00'] })).days,
  );
  const override = (date: string, kind: 'closed' | 'hours', ranges: string[]): [string, DateOverride] => [
    date,
    {
      date,
      kind,
      reason: 'r',
      intervals: ranges.map((r) => {
        const [start, end] = r.split('-') as [string, string];
        return toInterval({ start, end });
      }),
    },
  ];

  it('refuses special hours that overlap the previous day’s overnight shift', () => {
    // 2026-11-28 is a Saturday; Friday's shift runs until 02:00.
    const conflicts = overrideConflicts(
      week,
      new Map([override('2026-11-28', 'hours', ['01:00-04:00'])]),
      '2026-11-23',
    );
    expect(conflicts).toEqual([
      {
        date: '2026-11-28',
        message:
          '22:00–02:00 on Friday 2026-11-27 (weekly hours) runs past midnight into 01:00–04:00 on Saturday 2026-11-28 (special hours)',
      },
    ]);
  });

  it('refuses an overnight special shift that runs into the next day’s hours', () => {
    // 2026-11-29 is a Sunday; Monday opens at 09:00.
    expect(
      overrideConflicts(week, new Map([override('2026-11-29', 'hours', ['20:00-10:00'])]), '2026-11-23'),
    ).toHaveLength(1);
    expect(overrideConflicts(week, new Map([override('2026-11-29', 'hours', ['20:00-09:00'])]), '2026-11-23')).toEqual(
      [],
    );
  });

  it('checks two neighbouring overrides against each other once', () => {
    const both = new Map([
      override('2026-12-24', 'hours', ['20:00-03:00']),
      override('2026-12-25', 'hours', ['02:00-05:00']),
    ]);
    expect(overrideConflicts(week, both, '2026-11-23')).toHaveLength(1);
  });

  it('lets a closed override follow an overnight shift (the shift belongs to the day it starts)', () => {
    expect(overrideConflicts(week, new Map([override('2026-11-28', 'closed', [])]), '2026-11-23')).toEqual([]);
  });

  it('refuses overlapping intervals inside one override', () => {
    expect(
      overrideConflicts(week, new Map([override('2026-12-02', 'hours', ['10:00-12:00', '11:00-13:00'])]), '2026-11-23'),
    ).toMatchObject([{ message: '11:00–13:00 overlaps 10:00–12:00 on 2026-12-02' }]);
  });

  it('ignores past overrides', () => {
    expect(overrideConflicts(week, new Map([override('2026-11-28', 'hours', ['01:00-04:00'])]), '2026-12-01')).toEqual(
      [],
    );
  });
});
