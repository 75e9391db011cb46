import type { Command } from 'commander';
import { DateTime } from 'luxon';
import type { ScheduleService } from '../../modules/schedule/schedule.service.js';
import { scheduleMessage, describeInstant } from '../../modules/schedule/schedule.presenter.js';
import { describeInterval } from '../../modules/schedule/schedule.validation.js';
import { isOvernight } from '../../modules/schedule/availability.js';
import { PRESETS, WEEKDAYS, type PresetName } from '../../shared/schedule.schemas.js';
import { CliError, withCliContext } from '../cli-context.js';

export interface InitScheduleOptions {
  businessHours?: boolean;
  extendedHours?: boolean;
  finalsWeek?: boolean;
  force?: boolean;
}

const PRESET_FLAGS = [
  { key: 'businessHours', flag: '--business-hours', preset: 'business' },
  { key: 'extendedHours', flag: '--extended-hours', preset: 'extended' },
  { key: 'finalsWeek', flag: '--finals-week', preset: 'finals' },
] as const satisfies readonly { key: keyof InitScheduleOptions; flag: string; preset: PresetName }[];

/** The preset the flags ask for (business hours when none); two or more preset flags are a mistake. */
export function choosePreset(options: InitScheduleOptions): PresetName {
  const chosen = PRESET_FLAGS.filter((p) => options[p.key] === true);
  if (chosen.length > 1) {
    throw new CliError(
      `choose one preset, not ${chosen.map((p) => p.flag).join(' and ')}: --business-hours (the default), --extended-hours or --finals-week`,
    );
  }
  return chosen[0]?.preset ?? 'business';
}

const capitalise = (s: string) => s[0]!.toUpperCase() + s.slice(1);

function describePreset(preset: PresetName): string {
  const p = PRESETS[preset];
  const days = p.days.length === 5 ? 'Monday–Friday' : p.days.map(capitalise).join(', ');
  const hours = p.intervals.map((i) => `${i.start}–${i.end}`).join(', ') || 'closed';
  return `${p.label.toLowerCase()} preset (${days} ${hours})`;
}

/**
 * Writes the preset unless a schedule exists (or `force`), then reports each day, the current status and the
 * next opening. Returns the report; the command prints it.
 */
export async function initSchedule(
  schedule: ScheduleService,
  preset: PresetName,
  force: boolean,
  now?: number,
): Promise<string> {
  const result = await schedule.initialise(preset, { force });
  const lines: string[] = [];
  lines.push(
    result.written
      ? `Wrote the ${describePreset(preset)}.`
      : `A schedule already exists; left it alone (run with --force to replace it with the ${describePreset(preset)}).`,
  );
  lines.push('', `Support hours (${schedule.timezone}):`);
  WEEKDAYS.forEach((day, i) => {
    const intervals = result.week.week[i] ?? [];
    const hours =
      intervals.length === 0
        ? 'closed'
        : intervals.map((iv) => describeInterval(iv) + (isOvernight(iv) ? ' (overnight)' : '')).join(', ');
    lines.push(`  ${capitalise(day).padEnd(10)} ${hours}`);
  });

  const status = await schedule.status(now);
  const a = status.availability;
  let next: string;
  if (!a.available) {
    next =
      a.nextOpening === null
        ? 'none in the next two weeks'
        : describeInstant(a.nextOpening, status.now, status.timezone);
  } else if (a.closesAt === null) {
    next = 'open around the clock for the next two weeks';
  } else {
    // Open now: the opening after this one closes.
    const after = await schedule.availability(a.closesAt);
    next =
      after.nextOpening === null
        ? 'none in the next two weeks after this opening'
        : describeInstant(after.nextOpening, status.now, status.timezone);
  }
  const nowText = DateTime.fromMillis(status.now, { zone: status.timezone })
    .setLocale('en-US')
    .toFormat('cccc, LLLL d, yyyy, h:mm a ZZZZ');
  lines.push('', `Now:          ${nowText}`, `Status:       ${scheduleMessage(status)}`, `Next opening: ${next}`);
  return lines.join('\n') + '\n';
}

export function registerInitSchedule(program: Command): void {
  program
    .command('init-schedule')
    .description('Write a weekly support-hours preset (leaves an existing schedule alone unless --force)')
    .option('--business-hours', 'Monday–Friday 09:00–16:30 (the default)')
    .option('--extended-hours', 'Monday–Friday 09:00–18:00')
    .option('--finals-week', 'Monday–Friday 09:00–19:00')
    .option('--force', 'replace an existing schedule')
    .action(async (options: InitScheduleOptions) => {
      // Refuse contradictory flags before touching the database.
      const preset = choosePreset(options);
      await withCliContext(async ({ services }) => {
        process.stdout.write(await initSchedule(services.schedule, preset, options.force === true));
      });
    });
}
