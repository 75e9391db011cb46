import type { Command } from 'commander';
import { migrateToLatest, pendingMigrations } from '../../db/migrate.js';
import { withCliContext } from '../cli-context.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (the server also does this at start unless MIGRATE_ON_START=false)')
    .option('--status', 'only list pending migrations, apply nothing')
    .action(async (options: { status?: boolean }) => {
      await withCliContext(
        async ({ database }) => {
          if (options.status) {
            const pending = await pendingMigrations(database.db);
            process.stdout.write(
              pending.length === 0
                ? 'No pending migrations.\n'
                : `Pending:\n${pending.map((n) => `  ${n}`).join('\n')}\n`,
            );
            return;
          }
          const applied = await migrateToLatest(database.db);
          process.stdout.write(
            applied.length === 0
              ? `${database.describe()} is up to date.\n`
              : `Applied to ${database.describe()}:\n${applied.map((n) => `  ${n}`).join('\n')}\n`,
          );
        },
        { migrate: false },
      );
    });
}
