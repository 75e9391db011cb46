/**
 * Support hours on the wire: the public status (with friendly text in the support timezone) and the admin's
 * view of the week and the overrides. Texts are English with a fixed locale, so they do not depend on the
 * server's environment.
 */
import { DateTime } from 'luxon';
import {
  WEEKDAYS,
  type OverrideWire,
  type SupportStatusWire,
  type WeekDays,
  type WeekWire,
} from '../../shared/schedule.schemas.js';
import { addDays, type TodayInterval } from './availability.js';
import type { ScheduleOverride, ScheduleWeek, SupportStatus } from './schedule.service.js';
import { toIntervalText } from './schedule.validation.js';

const LOCALE = 'en-US';

function local(at: number, timezone: string): DateTime {
  return DateTime.fromMillis(at, { zone: timezone }).setLocale(LOCALE);
}

function iso(at: number, timezone: string): string {
  return local(at, timezone).toISO()!;
}

/** "9:00 AM" */
function clockText(at: number, timezone: string): string {
  return local(at, timezone).toFormat('h:mm a');
}

/**
 * "9:00 AM today (EST)", "2:00 AM tomorrow (EST)", "9:00 AM Monday (EST)", or with the date beyond a week:
 * "9:00 AM Monday, December 7 (EST)".
 */
export function describeInstant(at: number, now: number, timezone: string): string {
  const dt = local(at, timezone);
  const today = local(now, timezone).toISODate()!;
  const date = dt.toISODate()!;
  let day: string;
  if (date === today) day = 'today';
  else if (date === addDays(today, 1)) day = 'tomorrow';
  else if (date <= addDays(today, 6)) day = dt.toFormat('cccc');
  else day = dt.toFormat('cccc, LLLL d');
  return `${dt.toFormat('h:mm a')} ${day} (${dt.toFormat('ZZZZ')})`;
}

/** An instant as the status shows it: ISO 8601 with the support timezone's offset, and in words. */
export function presentInstant(at: number, now: number, timezone: string): { at: string; text: string } {
  return { at: iso(at, timezone), text: describeInstant(at, now, timezone) };
}

function describeTodayInterval(h: TodayInterval, timezone: string): string {
  if (h.start === '00:00' && h.end === '24:00') return 'All day';
  const start = h.start === '00:00' ? 'Midnight' : clockText(h.startsAt, timezone);
  const end = h.end === '24:00' ? 'midnight' : clockText(h.endsAt, timezone);
  return `${start} – ${end}${h.endsNextDay ? ' (next day)' : ''}`;
}

/**
 * The one-line status visitors read on the landing page and in the chat: the schedule's answer, and while open,
 * whether anyone is there ("open, but all agents are away").
 */
export function statusMessage(status: SupportStatus): string {
  const { availability: a, now, timezone } = status;
  if (!a.available || status.agentsOnline > 0) return scheduleMessage(status);
  const until = a.closesAt === null ? '' : ` until ${describeInstant(a.closesAt, now, timezone)}`;
  const override = a.activeOverride;
  const special = override?.kind === 'hours' ? ` Special hours today: ${override.reason}.` : '';
  return (
    `We're open${until}, but all agents are away right now; leave a message and we'll answer as soon as ` +
    `someone is back.${special}`
  );
}

/** What the schedule alone says (no presence): the CLI, which sees no sockets, prints this. */
export function scheduleMessage(status: SupportStatus): string {
  const { availability: a, now, timezone } = status;
  const override = a.activeOverride;
  if (a.available) {
    const until = a.closesAt === null ? '' : ` until ${describeInstant(a.closesAt, now, timezone)}`;
    const special = override?.kind === 'hours' ? ` Special hours today: ${override.reason}.` : '';
    return `We're online${until}.${special}`;
  }
  let head: string;
  switch (a.reason) {
    case 'override_closed':
      head = `We're closed today (${override?.reason ?? 'holiday'}).`;
      break;
    case 'override_hours':
      head = `We're offline right now; special hours today (${override?.reason ?? 'special hours'}).`;
      break;
    case 'closed_today':
      head = "We're closed today.";
      break;
    default:
      head = "We're offline right now.";
  }
  const next =
    a.nextOpening === null
      ? " Leave us a message and we'll get back to you."
      : ` Back at ${describeInstant(a.nextOpening, now, timezone)}.`;
  return head + next;
}

/**
 * The system line a conversation started while closed gets (same answer as the status at that instant):
 * "We're closed right now. We'll be back at 9:00 AM Monday (EST); your message is waiting in the queue."
 */
export function offlineStartLine(status: Pick<SupportStatus, 'availability' | 'now' | 'timezone'>): string {
  const { availability: a, now, timezone } = status;
  const override = a.activeOverride;
  const why =
    a.reason === 'override_closed' || a.reason === 'override_hours'
      ? ` (${override?.reason ?? (a.reason === 'override_closed' ? 'holiday' : 'special hours')})`
      : '';
  const head = `We're closed right now${why}.`;
  return a.nextOpening === null
    ? `${head} Your message is waiting in the queue; we'll get back to you as soon as we can.`
    : `${head} We'll be back at ${describeInstant(a.nextOpening, now, timezone)}; your message is waiting in the queue.`;
}

export function presentStatus(status: SupportStatus): SupportStatusWire {
  const { availability: a, now, timezone } = status;
  return {
    available: a.available,
    reason: a.reason,
    message: statusMessage(status),
    nextAvailable: a.nextOpening === null ? null : presentInstant(a.nextOpening, now, timezone),
    closesAt: a.closesAt === null ? null : presentInstant(a.closesAt, now, timezone),
    todaysHours: a.todaysHours.map((h) => ({
      start: h.start,
      end: h.end,
      startsAt: iso(h.startsAt, timezone),
      endsAt: iso(h.endsAt, timezone),
      text: describeTodayInterval(h, timezone),
      fromPreviousDay: h.fromPreviousDay,
      endsNextDay: h.endsNextDay,
    })),
    override: a.activeOverride
      ? { date: a.activeOverride.date, kind: a.activeOverride.kind, reason: a.activeOverride.reason }
      : null,
    agentsOnline: status.agentsOnline,
    now: iso(now, timezone),
    timezone,
  };
}

export function presentWeek(week: ScheduleWeek, timezone: string): WeekWire {
  return {
    configured: week.configured,
    timezone,
    days: Object.fromEntries(WEEKDAYS.map((day, i) => [day, (week.week[i] ?? []).map(toIntervalText)])) as WeekDays,
    updatedAt: week.updatedAt,
    updatedBy: week.updatedBy,
  };
}

export function presentOverride(o: ScheduleOverride): OverrideWire {
  return {
    date: o.date,
    kind: o.kind,
    intervals: o.intervals.map(toIntervalText),
    reason: o.reason,
    createdAt: o.createdAt,
    createdBy: o.createdBy,
    updatedAt: o.updatedAt,
    updatedBy: o.updatedBy,
  };
}
