import { DateTime } from 'luxon';
import type { Db } from '../../db/database.js';
import {
  REPORT_MAX_DAYS,
  type AgentWorkload,
  type CsatGroup,
  type ReportSection,
  type ReportView,
} from '../../shared/desk-tools.js';
import { AppError } from '../../shared/errors.js';
import { datesBetween, localSlots, percentile, percentilesOf, toCsv } from './report-math.js';
import {
  closedIn,
  closingsIn,
  csatGroups,
  firstResponders,
  joinsIn,
  ratingsIn,
  repliesIn,
  staffNames,
  startedIn,
  type Range,
} from './report.repository.js';

const round1 = (n: number) => Math.round(n * 10) / 10;

function groupCsat(
  rows: { groupId: string | null; groupName: string | null; rating: number }[],
  names: Map<string, string>,
): CsatGroup[] {
  const groups = new Map<string | null, CsatGroup>();
  for (const row of rows) {
    let g = groups.get(row.groupId);
    if (!g) {
      const name = row.groupId === null ? 'No agent' : (names.get(row.groupId) ?? row.groupName ?? 'Former staff');
      g = { id: row.groupId, name, ratings: 0, average: null, satisfied: null, distribution: [0, 0, 0, 0, 0] };
      groups.set(row.groupId, g);
    }
    g.ratings += 1;
    g.distribution[row.rating - 1]! += 1;
  }
  for (const g of groups.values()) {
    const sum = g.distribution.reduce((s, n, i) => s + n * (i + 1), 0);
    g.average = round1(sum / g.ratings);
    g.satisfied = Math.round(((g.distribution[3] + g.distribution[4]) / g.ratings) * 100);
  }
  return [...groups.values()].sort((a, b) => b.ratings - a.ratings || a.name.localeCompare(b.name));
}

/**
 * Admin → Reports: volumes by day and hour, a weekday × hour heat map, first-response and resolution percentiles,
 * CSAT by agent (and by team once teams exist), and each agent's workload, for a range of local dates in the
 * support timezone (at most REPORT_MAX_DAYS). Conversations count on the day they started; closings and ratings on
 * the day they happened. Percentiles are computed here, the same way on both dialects.
 */
export class ReportService {
  constructor(private readonly deps: { db: Db; timezone: string }) {}

  /** The instants of a range of local dates, checked. */
  range(from: string, to: string): Range {
    const zone = this.deps.timezone;
    const start = DateTime.fromISO(from, { zone }).startOf('day');
    const end = DateTime.fromISO(to, { zone }).startOf('day').plus({ days: 1 });
    const days = Math.round(end.diff(start, 'days').days);
    if (!start.isValid || !end.isValid || days < 1) {
      throw new AppError('validation_failed', undefined, {
        fields: [{ path: 'to', message: 'The end date is before the start date.', code: 'date_range_invalid' }],
      });
    }
    if (days > REPORT_MAX_DAYS) {
      throw new AppError('validation_failed', undefined, {
        fields: [{ path: 'from', message: `Choose at most ${REPORT_MAX_DAYS} days.`, code: 'date_range_too_long' }],
      });
    }
    return { from: start.toMillis(), to: end.toMillis() };
  }

  async report(from: string, to: string): Promise<ReportView> {
    const r = this.range(from, to);
    const { db, timezone } = this.deps;
    const [started, closings, byAgent, byTeam, ratings, joins, closers, replies, responders] = await Promise.all([
      startedIn(db, r),
      closedIn(db, r),
      csatGroups(db, r, 'agent'),
      csatGroups(db, r, 'team'),
      ratingsIn(db, r),
      joinsIn(db, r),
      closingsIn(db, r),
      repliesIn(db, r),
      firstResponders(db, r),
    ]);
    const slot = localSlots(timezone);
    const dates = datesBetween(from, to);
    const daily = new Map(dates.map((d) => [d, { date: d, conversations: 0, closed: 0 }]));
    const hourly = Array.from({ length: 24 }, (_, hour) => ({ hour, conversations: 0 }));
    const heatmap = Array.from({ length: 7 }, (_, i) => ({ weekday: i + 1, hours: new Array<number>(24).fill(0) }));
    const firstResponse: number[] = [];
    const resolution: number[] = [];
    for (const c of started) {
      const s = slot(c.createdAt);
      const day = daily.get(s.date);
      if (day) day.conversations += 1;
      hourly[s.hour]!.conversations += 1;
      heatmap[s.weekday - 1]!.hours[s.hour]! += 1;
      if (c.firstResponseAt !== null) firstResponse.push(c.firstResponseAt - c.createdAt);
      if (c.status === 'closed' && c.closedAt !== null) resolution.push(c.closedAt - c.createdAt);
    }
    for (const at of closings) {
      const day = daily.get(slot(at).date);
      if (day) day.closed += 1;
    }

    // Workload per agent: joined, closed, replies, and the median of the first responses that were theirs.
    const agents = new Map<string, AgentWorkload>();
    const agent = (userId: string, name: string) => {
      let a = agents.get(userId);
      if (!a) {
        a = { userId, name, joined: 0, closed: 0, replies: 0, medianFirstResponse: null };
        agents.set(userId, a);
      }
      return a;
    };
    for (const j of joins) agent(j.userId, String(j.name ?? '')).joined = Number(j.n);
    for (const c of closers) if (c.userId) agent(c.userId, String(c.name ?? '')).closed = Number(c.n);
    for (const m of replies) if (m.userId) agent(m.userId, String(m.name ?? '')).replies = Number(m.n);
    const firstBy = new Map<string, number[]>();
    const seen = new Set<string>();
    for (const f of responders) {
      if (!f.userId || seen.has(f.id)) continue;
      seen.add(f.id);
      agent(f.userId, f.name);
      const list = firstBy.get(f.userId) ?? [];
      list.push(f.firstResponseAt! - f.createdAt);
      firstBy.set(f.userId, list);
    }
    for (const [userId, list] of firstBy) {
      const median = percentile(
        list.sort((a, b) => a - b),
        50,
      );
      agents.get(userId)!.medianFirstResponse = median === null ? null : Math.round(median / 1000);
    }
    const groupIds = (byAgent ?? []).map((g) => g.groupId).filter((id): id is string => id !== null);
    const names = await staffNames(db, [...new Set([...agents.keys(), ...groupIds])]);
    for (const a of agents.values()) a.name = names.get(a.userId) ?? (a.name || 'Former staff');

    const ratingSum = ratings.reduce((s, n) => s + n, 0);
    return {
      from,
      to,
      timezone,
      totals: {
        conversations: started.length,
        closed: closings.length,
        ratings: ratings.length,
        averageRating: ratings.length === 0 ? null : round1(ratingSum / ratings.length),
      },
      daily: [...daily.values()],
      hourly,
      heatmap,
      firstResponse: percentilesOf(firstResponse),
      resolution: percentilesOf(resolution),
      csatByAgent: groupCsat(byAgent ?? [], names),
      csatByTeam: byTeam === null ? null : groupCsat(byTeam, new Map()),
      agents: [...agents.values()].sort((a, b) => b.joined - a.joined || a.name.localeCompare(b.name)),
    };
  }

  /** One section of the report as CSV (durations in seconds). */
  async csv(from: string, to: string, section: ReportSection): Promise<string> {
    const report = await this.report(from, to);
    const pct = (name: string, p: ReportView['firstResponse']) => [name, p.count, p.p50, p.p75, p.p90, p.p95];
    switch (section) {
      case 'daily':
        return toCsv([
          ['date', 'conversations', 'closed'],
          ...report.daily.map((d) => [d.date, d.conversations, d.closed]),
        ]);
      case 'hourly':
        return toCsv([['hour', 'conversations'], ...report.hourly.map((h) => [h.hour, h.conversations])]);
      case 'heatmap':
        return toCsv([
          ['weekday', ...Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'))],
          ...report.heatmap.map((w) => [WEEKDAYS[w.weekday - 1]!, ...w.hours]),
        ]);
      case 'response':
        return toCsv([
          ['metric', 'count', 'p50_seconds', 'p75_seconds', 'p90_seconds', 'p95_seconds'],
          pct('first_response', report.firstResponse),
          pct('resolution', report.resolution),
        ]);
      case 'csat':
        return toCsv([
          ['agent', 'ratings', 'average', 'satisfied_percent', 'r1', 'r2', 'r3', 'r4', 'r5'],
          ...report.csatByAgent.map((g) => [g.name, g.ratings, g.average, g.satisfied, ...g.distribution]),
        ]);
      case 'agents':
        return toCsv([
          ['agent', 'joined', 'closed', 'replies', 'median_first_response_seconds'],
          ...report.agents.map((a) => [a.name, a.joined, a.closed, a.replies, a.medianFirstResponse]),
        ]);
    }
  }
}

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
