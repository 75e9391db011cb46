/**
 * Support hours on the wire: the admin's inputs (weekly schedule, presets, date overrides) and the public
 * status. Shared by the server (validation, OpenAPI) and the browser (types). Times of day travel as "HH:MM"
 * in the support timezone; "24:00" is allowed as an end (a full day is 00:00–24:00), and an end earlier than
 * its start means the interval runs past midnight into the next day (an overnight shift).
 */
import { z } from 'zod';

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type WeekdayName = (typeof WEEKDAYS)[number];

export const MINUTES_PER_DAY = 1440;
/** At most this many opening intervals per day (a split shift or two is normal; fifty is a mistake). */
export const MAX_INTERVALS_PER_DAY = 8;
export const MAX_REASON_LENGTH = 200;

/**
 * Parses "H:MM" or "HH:MM" into minutes since local midnight. `24:00` (1440) is accepted only as an end.
 * Returns a message instead of a number when the text is not a time of day.
 */
export function parseClockTime(text: string, role: 'start' | 'end'): number | { error: string } {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return { error: `"${text}" is not a time; use HH:MM, e.g. 09:00` };
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  if (hours === 24 && minutes === 0) {
    return role === 'end' ? MINUTES_PER_DAY : { error: 'A day starts at 00:00; 24:00 can only end an interval' };
  }
  if (hours > 23 || minutes > 59) {
    return {
      error: `"${text}" is not a time of day (00:00–23:59${role === 'end' ? ', or 24:00 for midnight' : ''})`,
    };
  }
  return hours * 60 + minutes;
}

/** Minutes since midnight as "HH:MM" (1440 → "24:00"). */
export function formatClockTime(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

const clockTime = z.string().max(5, 'Use HH:MM, e.g. 09:00');

/** One opening interval. Start and end must differ; an end before the start runs past midnight. */
export const intervalInputSchema = z
  .strictObject({ start: clockTime, end: clockTime })
  .superRefine((value, ctx) => {
    const start = parseClockTime(value.start, 'start');
    const end = parseClockTime(value.end, 'end');
    if (typeof start !== 'number') ctx.addIssue({ code: 'custom', path: ['start'], message: start.error });
    if (typeof end !== 'number') ctx.addIssue({ code: 'custom', path: ['end'], message: end.error });
    if (typeof start === 'number' && typeof end === 'number' && start === end) {
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: 'The end must differ from the start (a full day is 00:00–24:00)',
      });
    }
  })
  .transform((value) => ({ start: normaliseTime(value.start), end: normaliseTime(value.end) }));
export type IntervalText = z.output<typeof intervalInputSchema>;

function normaliseTime(text: string): string {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  return m ? `${m[1]!.padStart(2, '0')}:${m[2]}` : text;
}

export const dayIntervalsSchema = z
  .array(intervalInputSchema)
  .max(MAX_INTERVALS_PER_DAY, `At most ${MAX_INTERVALS_PER_DAY} intervals per day`);

/** The whole week, every day named: an empty list means closed that day. */
export const weekInputSchema = z.strictObject({
  days: z.strictObject(
    Object.fromEntries(WEEKDAYS.map((d) => [d, dayIntervalsSchema])) as Record<WeekdayName, typeof dayIntervalsSchema>,
  ),
});
export type WeekDays = Record<WeekdayName, IntervalText[]>;

export const PRESET_NAMES = ['business', 'extended', 'finals', 'weekend', 'closed'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** The presets: their hours and the days they apply to when no days are chosen. */
export const PRESETS: Record<PresetName, { label: string; days: readonly WeekdayName[]; intervals: IntervalText[] }> = {
  business: {
    label: 'Business hours',
    days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
    intervals: [{ start: '09:00', end: '16:30' }],
  },
  extended: {
    label: 'Extended hours',
    days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
    intervals: [{ start: '09:00', end: '18:00' }],
  },
  finals: {
    label: 'Finals week',
    days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
    intervals: [{ start: '09:00', end: '19:00' }],
  },
  weekend: { label: 'Weekend', days: ['saturday', 'sunday'], intervals: [{ start: '10:00', end: '15:00' }] },
  closed: { label: 'Closed', days: WEEKDAYS, intervals: [] },
};

export const presetInputSchema = z.strictObject({
  preset: z.enum(PRESET_NAMES, { error: `Choose one of ${PRESET_NAMES.join(', ')}` }),
  /** The days to apply the preset's hours to; the preset's own days when absent. Other days are kept. */
  days: z
    .array(z.enum(WEEKDAYS, { error: `A day is one of ${WEEKDAYS.join(', ')}` }))
    .min(1, 'Choose at least one day')
    .max(7)
    .refine((days) => new Set(days).size === days.length, 'Each day at most once')
    .optional(),
});

/** "YYYY-MM-DD", a real calendar date. */
export const isoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use a date as YYYY-MM-DD, e.g. 2026-12-25')
  .refine((value) => {
    const [y, m, d] = value.split('-').map(Number) as [number, number, number];
    const date = new Date(Date.UTC(y, m - 1, d));
    return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
  }, 'There is no such date');

/**
 * An override's reason is plain text shown to visitors: NFC, no control or bidi-override characters,
 * whitespace collapsed. Markup is not interpreted anywhere; "<b>" stays the four characters "<b>".
 */
export function normaliseReason(value: string): string {
  return (
    value
      .normalize('NFC')
      // Bidi embedding/override/isolate marks could make the reason display as something else.
      .replace(/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g, '')
      // C0/C1 controls (newlines included: a reason is one line) become spaces.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001F\u007F-\u009F]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

export const reasonSchema = z
  .string()
  .transform(normaliseReason)
  .pipe(
    z
      .string()
      .min(1, 'Give a reason visitors will see, e.g. Thanksgiving')
      .refine((v) => [...v].length <= MAX_REASON_LENGTH, `The reason may have at most ${MAX_REASON_LENGTH} characters`),
  );

const overrideBody = {
  kind: z.enum(['closed', 'hours'], { error: 'kind is closed (all day) or hours (special hours)' }),
  intervals: dayIntervalsSchema.default([]),
  reason: reasonSchema,
};

function checkOverrideKind(value: { kind: 'closed' | 'hours'; intervals: unknown[] }, ctx: z.RefinementCtx): void {
  if (value.kind === 'closed' && value.intervals.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['intervals'], message: 'A closed day has no opening hours' });
  }
  if (value.kind === 'hours' && value.intervals.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['intervals'], message: 'Special hours need at least one interval' });
  }
}

/** A new date override: closed all day, or special hours, with a reason. */
export const overrideInputSchema = z
  .strictObject({ date: isoDateSchema, ...overrideBody })
  .superRefine(checkOverrideKind);

/** An edit of an existing override (its date is in the path and does not change). */
export const overrideUpdateSchema = z.strictObject(overrideBody).superRefine(checkOverrideKind);

// ---- what the server sends ----

export const AVAILABILITY_REASONS = [
  'open',
  'closed_today',
  'outside_hours',
  'override_closed',
  'override_hours',
] as const;
export type AvailabilityReason = (typeof AVAILABILITY_REASONS)[number];

const instantText = z.object({
  /** ISO 8601 with the support timezone's offset. */
  at: z.string(),
  /** For people, in the support timezone, e.g. "9:00 AM Monday (EST)". */
  text: z.string(),
});

export const todaysIntervalSchema = z.object({
  /** Local "HH:MM" as the clock on the wall shows it that day ("24:00" for the next midnight). */
  start: z.string(),
  end: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  /** "9:00 AM – 4:30 PM". */
  text: z.string(),
  /** The tail of an overnight shift that started yesterday. */
  fromPreviousDay: z.boolean(),
  /** Runs past midnight into tomorrow. */
  endsNextDay: z.boolean(),
});

export const statusResponseSchema = z.object({
  available: z.boolean(),
  reason: z.enum(AVAILABILITY_REASONS),
  message: z.string(),
  /** The next opening when closed now (null while open, or when nothing opens in the next two weeks). */
  nextAvailable: instantText.nullable(),
  /** When the current opening ends (null when closed, or open beyond the next two weeks). */
  closesAt: instantText.nullable(),
  todaysHours: z.array(todaysIntervalSchema),
  /** Today's date override, if any. */
  override: z.object({ date: z.string(), kind: z.enum(['closed', 'hours']), reason: z.string() }).nullable(),
  agentsOnline: z.number().int().min(0),
  /** The current time in the support timezone, ISO 8601 with offset. */
  now: z.string(),
  timezone: z.string(),
});
export type SupportStatusWire = z.infer<typeof statusResponseSchema>;

const intervalText = z.object({ start: z.string(), end: z.string() });

export const weekResponseSchema = z.object({
  /** False until an admin or `init-schedule` set hours; until then support counts as open around the clock. */
  configured: z.boolean(),
  timezone: z.string(),
  days: z.object(
    Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(intervalText)])) as Record<
      WeekdayName,
      z.ZodArray<typeof intervalText>
    >,
  ),
  updatedAt: z.number().nullable(),
  updatedBy: z.string().nullable(),
});
export type WeekWire = z.infer<typeof weekResponseSchema>;

export const overrideResponseSchema = z.object({
  date: z.string(),
  kind: z.enum(['closed', 'hours']),
  intervals: z.array(intervalText),
  reason: z.string(),
  createdAt: z.number(),
  createdBy: z.string().nullable(),
  updatedAt: z.number(),
  updatedBy: z.string().nullable(),
});
export type OverrideWire = z.infer<typeof overrideResponseSchema>;
