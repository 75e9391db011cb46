import { InvalidArgumentError, type Command } from 'commander';
import { CliError, withCliContext } from '../cli-context.js';

function batchSize(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 10_000) {
    throw new InvalidArgumentError('must be a whole number between 1 and 10000');
  }
  return n;
}

export function registerRotateKeys(program: Command): void {
  program
    .command('rotate-keys')
    .description(
      'Re-wrap every conversation data key under the active (first) key of ENCRYPTION_KEYS, in small batches; ' +
        'resumable and idempotent. Afterwards the older keys can be removed from ENCRYPTION_KEYS.',
    )
    .option('--batch-size <n>', 'data keys per transaction (1–10000)', batchSize, 100)
    .action(async (options: { batchSize: number }) => {
      await withCliContext(async ({ services }) => {
        // Ctrl-C stops between batches: every committed batch stays done, and a rerun continues.
        const controller = new AbortController();
        const interrupt = () => controller.abort();
        process.once('SIGINT', interrupt);
        process.once('SIGTERM', interrupt);
        let result;
        try {
          result = await services.keys.rotate({
            batchSize: options.batchSize,
            signal: controller.signal,
            onProgress: (p) => {
              const done = p.rewrapped + p.skipped + p.failed;
              process.stdout.write(`  ${done} of ${p.total} processed (${p.rewrapped} re-wrapped)\n`);
            },
          });
        } catch (err) {
          if (controller.signal.aborted) {
            throw new CliError('interrupted: the batches done so far are kept; run rotate-keys again to finish');
          }
          throw err;
        } finally {
          process.off('SIGINT', interrupt);
          process.off('SIGTERM', interrupt);
        }
        const skipped = result.skipped > 0 ? ` (${result.skipped} changed meanwhile and were left alone)` : '';
        process.stdout.write(
          `Re-wrapped ${result.rewrapped} data keys under ${result.activeKeyId}; ${result.alreadyCurrent} already current${skipped}.\n`,
        );
        if (result.failed > 0) {
          throw new CliError(
            `${result.failed} data key(s) could not be unwrapped (tampered?) and were left as they are; see the log`,
          );
        }
      });
    });
}
