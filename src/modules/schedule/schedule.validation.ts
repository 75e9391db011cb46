/**
 * The schedule's shape rules, pure: no two openings of a day overlap, and an overnight shift's tail (the part
 * after midnight) does not run into the next day's openings, for weekly days (Sunday's tail reaches Monday)
 * and for date overrides against the days around them. Touching (12:00 end, 12:00 start) is not overlapping.
 * Time syntax (25:00, 24:01, start = end) is checked earlier by the wire schemas.
 */
import type { FieldProblem } from '../../shared/errors.js';
import {
  MINUTES_PER_DAY,
  WEEKDAYS,
  formatClockTime,
  parseClockTime,
  type IntervalText,
  type WeekDays,
} from '../../shared/schedule.schemas.js';
import {
  addDays,
  intervalsOn,
  isOvernight,
  weekdayIndex,
  type DateOverride,
  type Interval,
  type WeeklySchedule,
} from './availability.js';

/** "09:00"/"16:30" → minutes; the text was validated by the wire schema. */
export function toInterval(text: IntervalText): Interval {
  const start = parseClockTime(text.start, 'start');
  const end = parseClockTime(text.end, 'end');
  if (typeof start !== 'number' || typeof end !== 'number')
    throw new Error(`unvalidated interval ${text.start}–${text.end}`);
  return { start, end };
}

export function toIntervalText(interval: Interval): IntervalText {
  return { start: formatClockTime(interval.start), end: formatClockTime(interval.end) };
}

export function describeInterval(interval: Interval): string {
  return `${formatClockTime(interval.start)}–${formatClockTime(interval.end)}`;
}

/** Sorted by start, so every list reads the same way wherever it is shown. */
export function sortIntervals(intervals: readonly Interval[]): Interval[] {
  return [...intervals].sort((a, b) => a.start - b.start || a.end - b.end);
}

export function weekFromText(days: WeekDays): Interval[][] {
  return WEEKDAYS.map((day) => sortIntervals(days[day].map(toInterval)));
}

/** The part of an interval on its own day: from its start to its end, or to midnight when it runs over. */
function ownDayEnd(interval: Interval): number {
  return isOvernight(interval) ? MINUTES_PER_DAY : interval.end;
}

/** Index pairs [i, j] (i < j) of one day's intervals that overlap. */
export function overlapsWithinDay(intervals: readonly Interval[]): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < intervals.length; i++) {
    for (let j = i + 1; j < intervals.length; j++) {
      const a = intervals[i]!;
      const b = intervals[j]!;
      if (a.start < ownDayEnd(b) && b.start < ownDayEnd(a)) pairs.push([i, j]);
    }
  }
  return pairs;
}

/** Pairs [p, d]: the overnight interval `previous[p]` runs past midnight into `day[d]`. */
export function spillConflicts(previous: readonly Interval[], day: readonly Interval[]): [number, number][] {
  const pairs: [number, number][] = [];
  previous.forEach((p, pi) => {
    if (!isOvernight(p)) return;
    // The tail covers [00:00, p.end) of the next day.
    day.forEach((d, di) => {
      if (d.start < p.end) pairs.push([pi, di]);
    });
  });
  return pairs;
}

const dayLabel = (i: number) => {
  const name = WEEKDAYS[i]!;
  return name[0]!.toUpperCase() + name.slice(1);
};

/** Every overlap in a weekly schedule, as field problems at `days.<weekday>.<index>` (the wire schema's paths). */
export function weekProblems(week: WeeklySchedule): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (let i = 0; i < 7; i++) {
    const day = week[i] ?? [];
    for (const [a, b] of overlapsWithinDay(day)) {
      problems.push({
        path: `days.${WEEKDAYS[i]}.${b}`,
        message: `${describeInterval(day[b]!)} overlaps ${describeInterval(day[a]!)} on ${dayLabel(i)}`,
      });
    }
    const previousIndex = (i + 6) % 7;
    const previous = week[previousIndex] ?? [];
    for (const [p, d] of spillConflicts(previous, day)) {
      problems.push({
        path: `days.${WEEKDAYS[i]}.${d}`,
        message: `${describeInterval(day[d]!)} overlaps ${dayLabel(previousIndex)}'s overnight ${describeInterval(previous[p]!)}, which runs until ${formatClockTime(previous[p]!.end)} on ${dayLabel(i)}`,
      });
    }
  }
  return problems;
}

/** A conflict between an override and a neighbouring day (or inside the override itself). */
export interface OverrideConflict {
  date: string;
  message: string;
}

function describeDay(date: string, overrides: ReadonlyMap<string, DateOverride>): string {
  const kind = overrides.has(date) ? 'special hours' : 'weekly hours';
  return `${dayLabel(weekdayIndex(date))} ${date} (${kind})`;
}

/**
 * Checks each override dated `fromDate` or later against itself and against the days before and after it
 * (their override, or the weekly schedule). Pairs of two weekly days are `weekProblems`' business.
 */
export function overrideConflicts(
  week: WeeklySchedule,
  overrides: ReadonlyMap<string, DateOverride>,
  fromDate: string,
): OverrideConflict[] {
  const conflicts: OverrideConflict[] = [];
  const dates = [...overrides.keys()].filter((d) => d >= fromDate).sort();
  for (const date of dates) {
    const own = intervalsOn(date, week, overrides).intervals;
    for (const [a, b] of overlapsWithinDay(own)) {
      conflicts.push({
        date,
        message: `${describeInterval(own[b]!)} overlaps ${describeInterval(own[a]!)} on ${date}`,
      });
    }
    const pairs: [string, string][] = [[addDays(date, -1), date]];
    // The day after is checked here only when it has no override of its own (then it is checked as `date`).
    if (!overrides.has(addDays(date, 1))) pairs.push([date, addDays(date, 1)]);
    for (const [first, second] of pairs) {
      const before = intervalsOn(first, week, overrides).intervals;
      const after = intervalsOn(second, week, overrides).intervals;
      for (const [p, d] of spillConflicts(before, after)) {
        conflicts.push({
          date,
          message: `${describeInterval(before[p]!)} on ${describeDay(first, overrides)} runs past midnight into ${describeInterval(after[d]!)} on ${describeDay(second, overrides)}`,
        });
      }
    }
  }
  return conflicts;
}
