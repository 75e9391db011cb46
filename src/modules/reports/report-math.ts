/** Pure helpers of the reports: percentiles, local-time buckets, CSV. Tested in report-math.test.ts. */
import { DateTime } from 'luxon';
import type { Percentiles } from '../../shared/desk-tools.js';

/** The p-th percentile (0–100) of sorted values, interpolated linearly between ranks (like percentile_cont). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

/** p50/p75/p90/p95 of durations in milliseconds, answered in whole seconds. */
export function percentilesOf(durationsMs: readonly number[]): Percentiles {
  const sorted = durationsMs.filter((d) => Number.isFinite(d) && d >= 0).sort((a, b) => a - b);
  const at = (p: number) => {
    const v = percentile(sorted, p);
    return v === null ? null : Math.round(v / 1000);
  };
  return { count: sorted.length, p50: at(50), p75: at(75), p90: at(90), p95: at(95) };
}

export interface LocalSlot {
  /** YYYY-MM-DD in the zone. */
  date: string;
  hour: number;
  /** 1 = Monday … 7 = Sunday. */
  weekday: number;
}

const QUARTER_MS = 15 * 60_000;

/**
 * Where instants fall in local time. Every UTC offset in use is a multiple of 15 minutes, so all instants of one
 * UTC quarter-hour share a local date, hour and weekday: one Luxon conversion per quarter-hour, not per row.
 */
export function localSlots(zone: string): (ms: number) => LocalSlot {
  const cache = new Map<number, LocalSlot>();
  return (ms) => {
    const quarter = Math.floor(ms / QUARTER_MS);
    let slot = cache.get(quarter);
    if (!slot) {
      const t = DateTime.fromMillis(quarter * QUARTER_MS, { zone });
      slot = { date: t.toISODate()!, hour: t.hour, weekday: t.weekday };
      cache.set(quarter, slot);
    }
    return slot;
  };
}

/** The local dates from `from` to `to` inclusive (YYYY-MM-DD). */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let d = DateTime.fromISO(from, { zone: 'UTC' });
  const end = DateTime.fromISO(to, { zone: 'UTC' });
  while (d <= end) {
    out.push(d.toISODate()!);
    d = d.plus({ days: 1 });
  }
  return out;
}

/**
 * One CSV cell: quoted when it holds a comma, quote or line break; a text starting with = + - @ (or a tab or carriage
 * return) is prefixed with ' so a spreadsheet shows it instead of running it as a formula (OWASP CSV injection).
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Rows of cells → CSV text (RFC 4180 line ends). */
export function toCsv(rows: readonly (readonly (string | number | null)[])[]): string {
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
