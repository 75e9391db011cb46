import { InvalidArgumentError, type Command } from 'commander';
import { DateTime } from 'luxon';
import type { PurgeProgress, PurgeResult, RetentionService } from '../../modules/retention/retention.service.js';
import { CliError, withCliContext } from '../cli-context.js';

export const MAX_DAYS = 36_500;

/** `--days N`: a whole number of days, 1 or more ("-1", "abc", "1.5" and "" are refused before anything runs). */
export function parseDays(value: string): number {
  const n = /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_DAYS) {
    throw new InvalidArgumentError(`must be a whole number of days from 1 to ${MAX_DAYS}, e.g. --days 30`);
  }
  return n;
}

export interface Output {
  write(text: string): void;
  /** A terminal: one progress bar redrawn in place. Otherwise plain lines, one per batch. */
  isTTY: boolean;
}

const BAR_WIDTH = 30;

/** "[##########--------------------]  120/360 conversations" */
export function progressBar(done: number, total: number, width = BAR_WIDTH): string {
  const ratio = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(done).padStart(String(total).length)}/${total} conversations`;
}

const day = (at: number, timezone: string) => DateTime.fromMillis(at, { zone: timezone }).toISODate()!;
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * Runs the purge and reports to `out`: the cutoff, each conversation removed (or that a dry run would remove),
 * a progress bar on a terminal or a line per batch otherwise, and a summary. Returns the result.
 */
export async function cleanupChats(
  retention: RetentionService,
  options: { days: number; dryRun: boolean; timezone: string; signal?: AbortSignal; batchSize?: number },
  out: Output,
): Promise<PurgeResult> {
  const { days, dryRun, timezone } = options;
  const cutoff = retention.cutoffFor(days);
  out.write(
    `${dryRun ? 'Dry run: nothing is deleted. ' : ''}Closed and left conversations that ended before ` +
      `${day(cutoff, timezone)} (${plural(days, 'day')} ago, ${timezone}) ${dryRun ? 'would be removed' : 'are removed'} ` +
      `with their messages, files and keys.\n`,
  );
  let barShown = false;
  const clearBar = () => {
    if (barShown) out.write('\r\x1b[2K');
    barShown = false;
  };
  const onBatch = (p: PurgeProgress) => {
    clearBar();
    for (const c of p.batch) {
      out.write(
        `  ${dryRun ? 'would remove' : 'removed'} ${c.id}  ${c.status.padEnd(6)}  ended ${day(c.endedAt, timezone)}  ` +
          `${plural(c.messages, 'message')}\n`,
      );
    }
    if (out.isTTY) {
      out.write(progressBar(p.done, p.total));
      barShown = true;
    } else {
      out.write(`  … ${p.done} of ${p.total} ${dryRun ? 'listed' : 'removed'}\n`);
    }
  };
  let result: PurgeResult;
  try {
    result = await retention.purge({
      days,
      dryRun,
      onBatch,
      signal: options.signal,
      batchSize: options.batchSize,
    });
  } finally {
    if (barShown) out.write('\n');
  }
  if (result.conversations === 0) {
    out.write('Nothing to remove.\n');
  } else {
    out.write(
      `${dryRun ? 'Would remove' : 'Removed'} ${plural(result.conversations, 'conversation')} with ` +
        `${plural(result.messages, 'message')}.\n`,
    );
  }
  return result;
}

export function registerCleanupChats(program: Command): void {
  program
    .command('cleanup-chats')
    .description(
      'Purge closed and left conversations that ended more than N days ago, with their messages, files and keys ' +
        '(in small batches; run with --dry-run first to see what would go)',
    )
    .option('--days <n>', 'age in days, a whole number ≥ 1', parseDays, 7)
    .option('--dry-run', 'list what would be removed, remove nothing')
    .action(async (options: { days: number; dryRun?: boolean }) => {
      await withCliContext(async ({ services, config }) => {
        // Ctrl-C stops between batches: what is removed stays removed; a rerun continues.
        const controller = new AbortController();
        const interrupt = () => controller.abort();
        process.once('SIGINT', interrupt);
        process.once('SIGTERM', interrupt);
        try {
          await cleanupChats(
            services.retention,
            {
              days: options.days,
              dryRun: options.dryRun === true,
              timezone: config.supportTimezone,
              signal: controller.signal,
            },
            {
              write: (text) => process.stdout.write(text),
              isTTY: process.stdout.isTTY === true,
            },
          );
        } finally {
          process.off('SIGINT', interrupt);
          process.off('SIGTERM', interrupt);
        }
        if (controller.signal.aborted) {
          throw new CliError('interrupted: the batches done so far are removed; run cleanup-chats again to finish');
        }
      });
    });
}
