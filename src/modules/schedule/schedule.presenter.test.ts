import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Availability } from './availability.js';
import { describeInstant, offlineStartLine, scheduleMessage, statusMessage } from './schedule.presenter.js';

const NY = 'America/New_York';
const ny = (iso: string) => DateTime.fromISO(iso, { zone: NY }).toMillis();
const now = ny('2026-11-23T10:00'); // a Monday

describe('describeInstant', () => {
  it.each([
    ['2026-11-23T16:30', '4:30 PM today (EST)'],
    ['2026-11-24T09:00', '9:00 AM tomorrow (EST)'],
    ['2026-11-29T09:00', '9:00 AM Sunday (EST)'],
    ['2026-11-30T09:00', '9:00 AM Monday, November 30 (EST)'],
    ['2027-03-15T09:00', '9:00 AM Monday, March 15 (EDT)'],
  ])('says %s as "%s"', (at, text) => {
    expect(describeInstant(ny(at), now, NY)).toBe(text);
  });

  it('uses the support timezone, not the server’s', () => {
    expect(describeInstant(Date.UTC(2026, 10, 23, 14), Date.UTC(2026, 10, 23, 12), 'UTC')).toBe('2:00 PM today (UTC)');
  });
});

describe('statusMessage', () => {
  const base: Availability = {
    available: false,
    reason: 'outside_hours',
    nextOpening: ny('2026-11-24T09:00'),
    closesAt: null,
    todaysHours: [],
    activeOverride: null,
    today: '2026-11-23',
    nextChangeAt: 0,
  };
  const message = (a: Partial<Availability>, agentsOnline = 1) =>
    statusMessage({ availability: { ...base, ...a }, agentsOnline, now, timezone: NY });

  it('words each case for people', () => {
    expect(message({})).toBe("We're offline right now. Back at 9:00 AM tomorrow (EST).");
    expect(message({ reason: 'closed_today' })).toBe("We're closed today. Back at 9:00 AM tomorrow (EST).");
    expect(
      message({
        reason: 'override_closed',
        activeOverride: { date: '2026-11-23', kind: 'closed', intervals: [], reason: 'Snow day' },
      }),
    ).toBe("We're closed today (Snow day). Back at 9:00 AM tomorrow (EST).");
    expect(message({ nextOpening: null, reason: 'closed_today' })).toBe(
      "We're closed today. Leave us a message and we'll get back to you.",
    );
    expect(message({ available: true, reason: 'open', nextOpening: null, closesAt: null })).toBe("We're online.");
  });

  it('says "open, but all agents are away" when the schedule is open and nobody is there', () => {
    const open = { available: true, reason: 'open' as const, nextOpening: null, closesAt: ny('2026-11-23T16:30') };
    expect(message(open, 2)).toBe("We're online until 4:30 PM today (EST).");
    expect(message(open, 0)).toBe(
      "We're open until 4:30 PM today (EST), but all agents are away right now; leave a message and we'll " +
        'answer as soon as someone is back.',
    );
    // Closed is closed, with or without agents; the CLI (no sockets) prints the schedule's words only.
    expect(message({}, 0)).toBe("We're offline right now. Back at 9:00 AM tomorrow (EST).");
    expect(scheduleMessage({ availability: { ...base, ...open }, agentsOnline: 0, now, timezone: NY })).toBe(
      "We're online until 4:30 PM today (EST).",
    );
  });
});

describe('offlineStartLine', () => {
  const base: Availability = {
    available: false,
    reason: 'outside_hours',
    nextOpening: ny('2026-11-30T09:00'),
    closesAt: null,
    todaysHours: [],
    activeOverride: null,
    today: '2026-11-23',
    nextChangeAt: 0,
  };
  it('gives the next opening in the support timezone, and the override reason', () => {
    const at = ny('2026-11-28T12:00'); // Saturday
    expect(offlineStartLine({ availability: base, now: at, timezone: NY })).toBe(
      "We're closed right now. We'll be back at 9:00 AM Monday (EST); your message is waiting in the queue.",
    );
    expect(
      offlineStartLine({
        availability: {
          ...base,
          reason: 'override_closed',
          nextOpening: ny('2026-11-27T09:00'),
          activeOverride: { date: '2026-11-26', kind: 'closed', intervals: [], reason: 'Thanksgiving' },
        },
        now: ny('2026-11-26T12:00'),
        timezone: NY,
      }),
    ).toBe(
      "We're closed right now (Thanksgiving). We'll be back at 9:00 AM tomorrow (EST); your message is waiting in the queue.",
    );
    expect(offlineStartLine({ availability: { ...base, nextOpening: null }, now: at, timezone: NY })).toBe(
      "We're closed right now. Your message is waiting in the queue; we'll get back to you as soon as we can.",
    );
  });
});
