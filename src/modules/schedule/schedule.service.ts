import { z } from 'zod';
import type { Config } from '../../config/config.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/database.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { domainEvent } from '../../events/domain-events.js';
import type { EventBus } from '../../events/event-bus.js';
import { AppError, type FieldProblem } from '../../shared/errors.js';
import {
  PRESETS,
  WEEKDAYS,
  isoDateSchema,
  overrideInputSchema,
  overrideUpdateSchema,
  presetInputSchema,
  weekInputSchema,
  type PresetName,
} from '../../shared/schedule.schemas.js';
import { zodFieldProblems } from '../../shared/validation.js';
import {
  ALWAYS_OPEN,
  addDays,
  computeAvailability,
  localDateOf,
  type Availability,
  type DateOverride,
  type Interval,
  type WeeklySchedule,
} from './availability.js';
import {
  deleteOverride,
  findOverride,
  findOverridesFrom,
  findScheduleState,
  findWeeklyIntervals,
  insertOverrideIfAbsent,
  lockScheduleForWrite,
  markWeekUpdated,
  replaceWeeklyIntervals,
  updateOverride,
  type ScheduleIntervalRow,
  type ScheduleOverrideRow,
} from './schedule.repository.js';
import { overrideConflicts, sortIntervals, toInterval, weekFromText, weekProblems } from './schedule.validation.js';

export interface ScheduleDeps {
  config: Config;
  db: Db;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
}

/** The weekly schedule as stored. Until `configured`, support counts as open around the clock. */
export interface ScheduleWeek {
  configured: boolean;
  week: WeeklySchedule;
  updatedAt: number | null;
  updatedBy: string | null;
}

export interface ScheduleOverride extends DateOverride {
  createdAt: number;
  createdBy: string | null;
  updatedAt: number;
  updatedBy: string | null;
}

/** Everything the public status shows, before it is shaped for the wire. */
export interface SupportStatus {
  availability: Availability;
  agentsOnline: number;
  now: number;
  timezone: string;
}

/** Counts staff available to answer. Presence (a later issue) plugs in here; until then nobody is counted. */
export type AgentsOnlineProvider = () => number | Promise<number>;

/** Overrides may be planned this far ahead (a holiday calendar for the next two years). */
export const MAX_OVERRIDE_DAYS_AHEAD = 730;
/** Safety net behind `schedule.changed`: a cached schedule is re-read at least this often. */
const CACHE_TTL_MS = 30_000;

const storedIntervals = z.array(
  z.object({ start: z.number().int().min(0).max(1439), end: z.number().int().min(1).max(1440) }),
);

interface ScheduleSnapshot {
  configured: boolean;
  week: WeeklySchedule;
  overrides: Map<string, DateOverride>;
}

/**
 * Support hours: the weekly schedule, date overrides, and the one availability answer every caller uses
 * (public status, live push, CLI, conversation creation). The schedule is cached per instance and dropped on
 * `schedule.changed`, which reaches every instance through the bus.
 */
export class ScheduleService {
  readonly timezone: string;
  private countAgents: AgentsOnlineProvider = () => 0;
  private readonly listeners = new Set<() => void>();
  private generation = 0;
  private cache: { generation: number; fromDate: string; loadedAt: number; snapshot: ScheduleSnapshot } | undefined;

  constructor(private readonly deps: ScheduleDeps) {
    this.timezone = deps.config.supportTimezone;
    deps.bus.on('schedule.changed', () => this.changed());
    // Events from other instances may have been missed while Redis was away.
    deps.bus.onResync(() => this.changed());
  }

  /** Plugs in the count of agents online (presence). Without one, the status says 0. */
  setAgentsOnlineProvider(provider: AgentsOnlineProvider): void {
    this.countAgents = provider;
  }

  /** Called on this instance after any instance changed the schedule (and after a bus resync). */
  onChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Today's date in the support timezone. */
  today(now = this.deps.clock.now()): string {
    return localDateOf(now, this.timezone);
  }

  // ---- the one availability answer ----

  /** Open or not at `now`, why, and what comes next. */
  async availability(now = this.deps.clock.now()): Promise<Availability> {
    const snapshot = await this.snapshot(now);
    return computeAvailability({
      week: snapshot.configured ? snapshot.week : ALWAYS_OPEN,
      overrides: snapshot.overrides,
      timezone: this.timezone,
      at: now,
    });
  }

  async status(now = this.deps.clock.now()): Promise<SupportStatus> {
    const [availability, agentsOnline] = await Promise.all([this.availability(now), this.agentsOnline()]);
    return { availability, agentsOnline, now, timezone: this.timezone };
  }

  /** What conversation creation asks; the same answer as `status(now).availability.available`. */
  async isOpenForNewConversation(now = this.deps.clock.now()): Promise<boolean> {
    return (await this.availability(now)).available;
  }

  // ---- weekly schedule ----

  async getWeek(): Promise<ScheduleWeek> {
    const [state, rows] = await Promise.all([findScheduleState(this.deps.db), findWeeklyIntervals(this.deps.db)]);
    const configured = state?.configuredAt != null;
    return {
      configured,
      week: configured ? weekFromRows(rows) : ALWAYS_OPEN,
      updatedAt: state?.updatedAt ?? null,
      updatedBy: state?.updatedBy ?? null,
    };
  }

  /** Replaces the whole week (every day named; an empty list closes the day). */
  async setWeek(days: unknown, actorId: string | null): Promise<ScheduleWeek> {
    const parsed = parseInput(weekInputSchema, { days });
    const week = weekFromText(parsed.days);
    return (await this.writeWeek(() => week, actorId)).week;
  }

  /**
   * Applies a preset's hours to the chosen days (the preset's own days by default), keeping the others.
   * On a schedule that was never configured, the other days start closed.
   */
  async applyPreset(preset: unknown, days: unknown, actorId: string | null): Promise<ScheduleWeek> {
    const parsed = parseInput(presetInputSchema, days === undefined ? { preset } : { preset, days });
    const definition = PRESETS[parsed.preset];
    const chosen = new Set(parsed.days ?? definition.days);
    const hours = definition.intervals.map(toInterval);
    return (
      await this.writeWeek((current) => current.map((day, i) => (chosen.has(WEEKDAYS[i]!) ? hours : [...day])), actorId)
    ).week;
  }

  /**
   * `init-schedule`: writes the preset as the whole week (its days open, the rest closed), unless a schedule
   * is already configured and `force` is not set. The check and the write are one transaction.
   */
  async initialise(
    preset: PresetName,
    options: { force: boolean; actorId?: string | null },
  ): Promise<{ written: boolean; week: ScheduleWeek }> {
    const definition = PRESETS[preset];
    const hours = definition.intervals.map(toInterval);
    const week = WEEKDAYS.map((day) => (definition.days.includes(day) ? hours : []));
    return this.writeWeek(
      (_current, configured) => (configured && !options.force ? null : week),
      options.actorId ?? null,
    );
  }

  private async writeWeek(
    build: (current: WeeklySchedule, configured: boolean) => WeeklySchedule | null,
    actorId: string | null,
  ): Promise<{ written: boolean; week: ScheduleWeek }> {
    const now = this.deps.clock.now();
    const yesterday = addDays(this.today(now), -1);
    const result = await inTransaction(this.deps.db, this.deps.bus, async ({ trx, emit }) => {
      const state = await lockScheduleForWrite(trx);
      const current = await readSnapshot(trx, yesterday, this.deps.logger);
      const next = build(current.configured ? current.week : WEEKDAYS.map(() => []), current.configured);
      if (next === null) return { written: false, week: toScheduleWeek(current, state) };
      const week = next.map(sortIntervals);
      const problems = weekProblems(week);
      for (const conflict of overrideConflicts(week, current.overrides, yesterday)) {
        problems.push({
          path: 'days',
          message: `Conflicts with the override on ${conflict.date}: ${conflict.message}`,
        });
      }
      failOn(problems);
      await replaceWeeklyIntervals(trx, weekToRows(week));
      await markWeekUpdated(trx, now, actorId);
      emit(domainEvent('schedule.changed', { version: state.version, scope: 'week', date: null }));
      return {
        written: true,
        week: { configured: true, week, updatedAt: now, updatedBy: actorId },
      };
    });
    if (result.written) this.invalidate();
    return result;
  }

  // ---- date overrides ----

  /** Overrides from `from` (today by default) on, by date. */
  async listOverrides(from?: string): Promise<ScheduleOverride[]> {
    const fromDate = from === undefined ? this.today() : parseInput(isoDateSchema, from, 'from');
    return (await findOverridesFrom(this.deps.db, fromDate)).flatMap((row) => {
      const o = toOverride(row, this.deps.logger);
      return o ? [o] : [];
    });
  }

  async getOverride(date: string): Promise<ScheduleOverride> {
    const row = await findOverride(this.deps.db, parseInput(isoDateSchema, date, 'date'));
    const override = row && toOverride(row, this.deps.logger);
    if (!override) throw new AppError('not_found', `There is no override for ${date}`);
    return override;
  }

  /** A new override for a date that has none; today or later (in the support timezone). */
  async createOverride(input: unknown, actorId: string | null): Promise<ScheduleOverride> {
    const parsed = parseInput(overrideInputSchema, input);
    const now = this.deps.clock.now();
    this.checkDateWindow(parsed.date, now);
    const intervals = sortIntervals(parsed.intervals.map(toInterval));
    const row: ScheduleOverrideRow = {
      date: parsed.date,
      kind: parsed.kind,
      intervals: JSON.stringify(intervals),
      reason: parsed.reason,
      createdAt: now,
      createdBy: actorId,
      updatedAt: now,
      updatedBy: actorId,
    };
    const exists = () =>
      new AppError('override_exists', `There is already an override for ${parsed.date}; change or delete it instead`, {
        fields: [{ path: 'date', message: `${parsed.date} already has an override` }],
      });
    await inTransaction(this.deps.db, this.deps.bus, async ({ trx, emit }) => {
      const state = await lockScheduleForWrite(trx);
      const yesterday = addDays(this.today(now), -1);
      const snapshot = await readSnapshot(trx, yesterday, this.deps.logger);
      if (snapshot.overrides.has(parsed.date)) throw exists();
      snapshot.overrides.set(parsed.date, { date: parsed.date, kind: parsed.kind, intervals, reason: parsed.reason });
      failOnConflicts(snapshot, yesterday, 'intervals');
      if (!(await insertOverrideIfAbsent(trx, row))) throw exists();
      emit(domainEvent('schedule.changed', { version: state.version, scope: 'override', date: parsed.date }));
    });
    this.invalidate();
    return toOverride(row, this.deps.logger)!;
  }

  /** Changes an override's kind, hours or reason; its date stays. Past overrides are history and stay too. */
  async updateOverride(date: string, input: unknown, actorId: string | null): Promise<ScheduleOverride> {
    const day = parseInput(isoDateSchema, date, 'date');
    const parsed = parseInput(overrideUpdateSchema, input);
    const now = this.deps.clock.now();
    this.checkDateWindow(day, now);
    const intervals = sortIntervals(parsed.intervals.map(toInterval));
    const patch = {
      kind: parsed.kind,
      intervals: JSON.stringify(intervals),
      reason: parsed.reason,
      updatedAt: now,
      updatedBy: actorId,
    };
    const row = await inTransaction(this.deps.db, this.deps.bus, async ({ trx, emit }) => {
      const state = await lockScheduleForWrite(trx);
      const yesterday = addDays(this.today(now), -1);
      const snapshot = await readSnapshot(trx, yesterday, this.deps.logger);
      const existing = await findOverride(trx, day);
      if (!existing) throw new AppError('not_found', `There is no override for ${day}`);
      snapshot.overrides.set(day, { date: day, kind: parsed.kind, intervals, reason: parsed.reason });
      failOnConflicts(snapshot, yesterday, 'intervals');
      await updateOverride(trx, day, patch);
      emit(domainEvent('schedule.changed', { version: state.version, scope: 'override', date: day }));
      return { ...existing, ...patch };
    });
    this.invalidate();
    return toOverride(row, this.deps.logger)!;
  }

  /** Removes an override; the date goes back to the weekly hours. */
  async deleteOverride(date: string, actorId: string | null): Promise<void> {
    const day = parseInput(isoDateSchema, date, 'date');
    const now = this.deps.clock.now();
    await inTransaction(this.deps.db, this.deps.bus, async ({ trx, emit }) => {
      const state = await lockScheduleForWrite(trx);
      const yesterday = addDays(this.today(now), -1);
      const snapshot = await readSnapshot(trx, yesterday, this.deps.logger);
      snapshot.overrides.delete(day);
      // The weekly hours coming back must not collide with a neighbouring override's overnight shift.
      failOnConflicts(snapshot, yesterday, 'date');
      if (!(await deleteOverride(trx, day))) throw new AppError('not_found', `There is no override for ${day}`);
      emit(domainEvent('schedule.changed', { version: state.version, scope: 'override', date: day }));
    });
    this.deps.logger.info({ date: day, actorId }, 'schedule override deleted');
    this.invalidate();
  }

  private checkDateWindow(date: string, now: number): void {
    const today = this.today(now);
    if (date < today) {
      failOn([{ path: 'date', message: `${date} is in the past (today is ${today} in ${this.timezone})` }]);
    }
    const last = addDays(today, MAX_OVERRIDE_DAYS_AHEAD);
    if (date > last) {
      failOn([{ path: 'date', message: `Overrides can be planned up to ${last} (two years ahead)` }]);
    }
  }

  // ---- cache ----

  private async snapshot(now: number): Promise<ScheduleSnapshot> {
    const fromDate = addDays(this.today(now), -1);
    const cached = this.cache;
    if (
      cached &&
      cached.generation === this.generation &&
      cached.fromDate <= fromDate &&
      Math.abs(now - cached.loadedAt) < CACHE_TTL_MS
    ) {
      return cached.snapshot;
    }
    const generation = this.generation;
    const snapshot = await readSnapshot(this.deps.db, fromDate, this.deps.logger);
    // A change that landed while this read ran wins: do not cache what may predate it.
    if (generation === this.generation) this.cache = { generation, fromDate, loadedAt: now, snapshot };
    return snapshot;
  }

  private invalidate(): void {
    this.generation++;
    this.cache = undefined;
  }

  private changed(): void {
    this.invalidate();
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (err) {
        this.deps.logger.error({ err }, 'schedule change listener failed');
      }
    }
  }

  /** Agents with an open desk now (0 when the count cannot be had). */
  async agentsOnline(): Promise<number> {
    try {
      const n = await this.countAgents();
      return Number.isInteger(n) && n >= 0 ? n : 0;
    } catch (err) {
      this.deps.logger.warn({ err }, 'counting agents online failed; reporting 0');
      return 0;
    }
  }
}

function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError('validation_failed', undefined, { fields: zodFieldProblems(result.error, prefix) });
  }
  return result.data;
}

function failOn(problems: FieldProblem[]): void {
  if (problems.length > 0) throw new AppError('validation_failed', undefined, { fields: problems });
}

function failOnConflicts(snapshot: ScheduleSnapshot, fromDate: string, path: string): void {
  const week = snapshot.configured ? snapshot.week : ALWAYS_OPEN;
  failOn(overrideConflicts(week, snapshot.overrides, fromDate).map((c) => ({ path, message: c.message })));
}

async function readSnapshot(db: Db | Tx, fromDate: string, logger: Logger): Promise<ScheduleSnapshot> {
  const [state, rows, overrideRows] = await Promise.all([
    findScheduleState(db),
    findWeeklyIntervals(db),
    findOverridesFrom(db, fromDate),
  ]);
  const overrides = new Map<string, DateOverride>();
  for (const row of overrideRows) {
    const o = toOverride(row, logger);
    if (o) overrides.set(o.date, o);
  }
  return { configured: state?.configuredAt != null, week: weekFromRows(rows), overrides };
}

function toScheduleWeek(
  snapshot: ScheduleSnapshot,
  state: { updatedAt: number | null; updatedBy: string | null },
): ScheduleWeek {
  return {
    configured: snapshot.configured,
    week: snapshot.configured ? snapshot.week : ALWAYS_OPEN,
    updatedAt: state.updatedAt,
    updatedBy: state.updatedBy,
  };
}

function weekFromRows(rows: ScheduleIntervalRow[]): Interval[][] {
  const week: Interval[][] = WEEKDAYS.map(() => []);
  for (const row of rows) week[row.weekday - 1]?.push({ start: row.startMinute, end: row.endMinute });
  return week.map(sortIntervals);
}

function weekToRows(week: WeeklySchedule): ScheduleIntervalRow[] {
  return week.flatMap((day, i) =>
    day.map((interval, position) => ({
      weekday: i + 1,
      position,
      startMinute: interval.start,
      endMinute: interval.end,
    })),
  );
}

function toOverride(row: ScheduleOverrideRow, logger: Logger): ScheduleOverride | undefined {
  let intervals: Interval[];
  try {
    intervals = storedIntervals.parse(JSON.parse(row.intervals));
  } catch {
    // Only a hand-edited database gets here; the weekly hours apply to that date until an admin fixes it.
    logger.error({ date: row.date }, 'stored schedule override is unreadable; ignoring it');
    return undefined;
  }
  return {
    date: row.date,
    kind: row.kind,
    intervals: row.kind === 'closed' ? [] : intervals,
    reason: row.reason,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
  };
}
