/**
 * Support availability: one pure function answers "are we open at instant T, why, until when, and when do we
 * open next" from the weekly schedule, the date overrides and the support timezone. The public status, the
 * live push, the CLI and conversation creation all go through it, so they cannot disagree.
 *
 * Local times become instants through Luxon only. On a day where a local time does not exist (spring forward)
 * it moves forward by the length of the gap (02:30 → 03:30 in New York); where it exists twice (fall back) the
 * first occurrence counts. This is RFC 5545's rule and Temporal's "compatible" disambiguation.
 */
import { DateTime } from 'luxon';
import { MINUTES_PER_DAY, type AvailabilityReason } from '../../shared/schedule.schemas.js';

/**
 * An opening interval in minutes since local midnight. `start` is in [0, 1440), `end` in (0, 1440];
 * `end <= start` means it runs past midnight into the next day (it belongs to the day it starts on).
 * 0–1440 is a full day.
 */
export interface Interval {
  start: number;
  end: number;
}

/** Index 0 is Monday … 6 is Sunday (Luxon's weekday minus one). A day without intervals is closed. */
export type WeeklySchedule = readonly (readonly Interval[])[];

export type OverrideKind = 'closed' | 'hours';

export interface DateOverride {
  /** Local date in the support timezone, YYYY-MM-DD. */
  date: string;
  kind: OverrideKind;
  /** Empty when closed. */
  intervals: readonly Interval[];
  reason: string;
}

export interface AvailabilityInput {
  week: WeeklySchedule;
  overrides: ReadonlyMap<string, DateOverride>;
  timezone: string;
  /** Epoch milliseconds. */
  at: number;
  /** How far ahead to look for the next opening or closing; 14 days by default. */
  horizonDays?: number;
}

/** One opening on today's list, as instants and as local wall-clock labels. */
export interface TodayInterval {
  startsAt: number;
  endsAt: number;
  /** Local "HH:MM" at `startsAt` ("00:00" for yesterday's spill-over). */
  start: string;
  /** Local "HH:MM" at `endsAt`; "24:00" when it ends at the next midnight. */
  end: string;
  fromPreviousDay: boolean;
  endsNextDay: boolean;
}

export interface Availability {
  available: boolean;
  reason: AvailabilityReason;
  /** The next opening instant when closed now; null while open or when nothing opens within the horizon. */
  nextOpening: number | null;
  /** When the current opening ends (contiguous intervals merged); null when closed or open past the horizon. */
  closesAt: number | null;
  /** Today's openings in local time, including the tail of a shift that started yesterday. */
  todaysHours: TodayInterval[];
  /** Today's override (by local date), if any. */
  activeOverride: DateOverride | null;
  /** Today's local date, YYYY-MM-DD. */
  today: string;
  /** The next instant the answer can change: opening, closing, or local midnight (today's hours change). */
  nextChangeAt: number;
}

export const DEFAULT_HORIZON_DAYS = 14;

/** Open around the clock: what an unconfigured installation offers until someone sets hours. */
export const ALWAYS_OPEN: WeeklySchedule = Array.from({ length: 7 }, () => [{ start: 0, end: MINUTES_PER_DAY }]);

/** True when the interval runs past midnight into the next day. */
export function isOvernight(interval: Interval): boolean {
  return interval.end <= interval.start;
}

/** A calendar date (no zone involved): Luxon in UTC is only used here for date arithmetic. */
function calendarDate(iso: string): DateTime {
  return DateTime.fromISO(iso, { zone: 'utc' });
}

/** The local calendar date of an instant in `timezone`, as YYYY-MM-DD. */
export function localDateOf(at: number, timezone: string): string {
  return DateTime.fromMillis(at, { zone: timezone }).toISODate()!;
}

/** `date` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  return calendarDate(date).plus({ days }).toISODate()!;
}

/** 0 for Monday … 6 for Sunday. */
export function weekdayIndex(date: string): number {
  return calendarDate(date).weekday - 1;
}

/**
 * The instant at which the local wall clock in `timezone` shows `minutes` after midnight of `date`
 * (1440 is the next day's midnight). A time in a DST gap moves forward; a repeated time takes its first
 * occurrence.
 */
export function localTimeToInstant(date: string, minutes: number, timezone: string): number {
  const day = minutes >= MINUTES_PER_DAY ? calendarDate(date).plus({ days: 1 }) : calendarDate(date);
  const m = minutes % MINUTES_PER_DAY;
  const local = DateTime.fromObject(
    { year: day.year, month: day.month, day: day.day, hour: Math.floor(m / 60), minute: m % 60 },
    { zone: timezone },
  );
  // Luxon already moves a non-existent time forward. For a repeated time it may pick either occurrence
  // (the later one in New York, the earlier one on Lord Howe), so ask for both and take the first.
  return Math.min(local.toMillis(), ...local.getPossibleOffsets().map((candidate) => candidate.toMillis()));
}

/** The intervals in force on a local date: its override's, or the weekly schedule's for that weekday. */
export function intervalsOn(date: string, week: WeeklySchedule, overrides: ReadonlyMap<string, DateOverride>) {
  const override = overrides.get(date);
  if (override) return { intervals: override.kind === 'closed' ? [] : override.intervals, override };
  return { intervals: week[weekdayIndex(date)] ?? [], override: undefined };
}

interface Shift {
  /** The local date the shift belongs to (the day it starts). */
  date: string;
  interval: Interval;
  startsAt: number;
  endsAt: number;
  fromOverride: boolean;
}

function shiftsOn(
  date: string,
  week: WeeklySchedule,
  overrides: ReadonlyMap<string, DateOverride>,
  timezone: string,
): Shift[] {
  const { intervals, override } = intervalsOn(date, week, overrides);
  const shifts: Shift[] = [];
  for (const interval of intervals) {
    const startsAt = localTimeToInstant(date, interval.start, timezone);
    const endsAt = isOvernight(interval)
      ? localTimeToInstant(addDays(date, 1), interval.end, timezone)
      : localTimeToInstant(date, interval.end, timezone);
    // 02:00–03:00 on a spring-forward day in New York is empty: the clock never shows it.
    if (endsAt > startsAt) shifts.push({ date, interval, startsAt, endsAt, fromOverride: override !== undefined });
  }
  return shifts;
}

/** Local "HH:MM" of an instant in `timezone`. */
function wallClock(at: number, timezone: string): string {
  return DateTime.fromMillis(at, { zone: timezone }).toFormat('HH:mm');
}

/** Whether support is open at `input.at`, why, and what comes next. Pure: no clock, no I/O. */
export function computeAvailability(input: AvailabilityInput): Availability {
  const { week, overrides, timezone, at } = input;
  const horizon = input.horizonDays ?? DEFAULT_HORIZON_DAYS;
  const today = localDateOf(at, timezone);
  const yesterday = addDays(today, -1);

  // Every shift from yesterday (its overnight tail may reach into today) to the end of the horizon.
  const shifts: Shift[] = [];
  for (let offset = -1; offset <= horizon; offset++) {
    shifts.push(...shiftsOn(addDays(today, offset), week, overrides, timezone));
  }
  shifts.sort((a, b) => a.startsAt - b.startsAt);
  const horizonEnd = localTimeToInstant(addDays(today, horizon + 1), 0, timezone);

  const current = shifts.filter((s) => s.startsAt <= at && at < s.endsAt);
  const available = current.length > 0;
  const activeOverride = overrides.get(today) ?? null;

  let reason: AvailabilityReason;
  if (available) {
    reason = current.some((s) => s.fromOverride) ? 'override_hours' : 'open';
  } else if (activeOverride) {
    reason = activeOverride.kind === 'closed' ? 'override_closed' : 'override_hours';
  } else {
    reason = (week[weekdayIndex(today)] ?? []).length === 0 ? 'closed_today' : 'outside_hours';
  }

  let closesAt: number | null = null;
  let nextOpening: number | null = null;
  if (available) {
    // Follow contiguous or overlapping shifts (Friday 22:00–24:00 then Saturday 00:00–02:00 is one opening).
    let end = Math.max(...current.map((s) => s.endsAt));
    for (let extended = true; extended;) {
      extended = false;
      for (const s of shifts) {
        if (s.startsAt <= end && s.endsAt > end) {
          end = s.endsAt;
          extended = true;
        }
      }
    }
    closesAt = end >= horizonEnd ? null : end;
  } else {
    nextOpening = shifts.find((s) => s.startsAt > at)?.startsAt ?? null;
  }

  const startOfToday = localTimeToInstant(today, 0, timezone);
  const startOfTomorrow = localTimeToInstant(today, MINUTES_PER_DAY, timezone);
  const todaysHours: TodayInterval[] = [];
  for (const s of shifts) {
    if (s.date === yesterday && s.endsAt > startOfToday) {
      todaysHours.push({
        startsAt: startOfToday,
        endsAt: s.endsAt,
        start: '00:00',
        end: wallClock(s.endsAt, timezone),
        fromPreviousDay: true,
        endsNextDay: false,
      });
    } else if (s.date === today) {
      todaysHours.push({
        startsAt: s.startsAt,
        endsAt: s.endsAt,
        start: wallClock(s.startsAt, timezone),
        end: s.interval.end === MINUTES_PER_DAY ? '24:00' : wallClock(s.endsAt, timezone),
        fromPreviousDay: false,
        endsNextDay: isOvernight(s.interval),
      });
    }
  }

  const transition = available ? closesAt : nextOpening;
  const nextChangeAt = transition === null ? startOfTomorrow : Math.min(transition, startOfTomorrow);

  return { available, reason, nextOpening, closesAt, todaysHours, activeOverride, today, nextChangeAt };
}
