import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { createLogger, type Logger } from '../core/logger.js';
import { systemClock } from '../core/clock.js';
import { createDb, type DatabaseHandle } from '../db/database.js';
import { assertNoUnknownMigrations, MigrationError, migrateToLatest, pendingMigrations } from '../db/migrate.js';
import { InProcessBus } from '../events/event-bus.js';
import { createBus } from '../events/create-bus.js';
import { JobsRunner } from '../jobs/jobs-runner.js';
import { registerJobs } from '../jobs/register-jobs.js';
import { DELETE_FILES_TOPIC } from '../modules/attachments/attachment.service.js';
import { createServices, type Services } from '../modules/services.js';
import { describeStartupFailure } from '../core/startup-errors.js';

/** A failure the CLI reports as one line with a chosen exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface CliContext {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  services: Services;
}

/**
 * Opens the configured database for a command (migrating it first unless MIGRATE_ON_START=false),
 * runs `fn`, and closes everything. Commands publish on Redis when configured, so running servers
 * see their changes (a deactivated user's sockets close, a schedule change reaches landing pages).
 */
export async function withCliContext<T>(
  fn: (ctx: CliContext) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const database = createDb(config.database, logger);
  const bus = config.redis ? createBus(config, logger) : new InProcessBus(logger);
  let services: Services | undefined;
  const jobs = new JobsRunner({ db: database.db, bus, clock: systemClock, logger });
  try {
    try {
      await database.ping(3_000);
    } catch (err) {
      throw new CliError(describeStartupFailure(err, `Cannot reach ${database.describe()}`));
    }
    try {
      await assertNoUnknownMigrations(database.db);
    } catch (err) {
      if (err instanceof MigrationError) throw new CliError(err.message);
      throw err;
    }
    if (options.migrate !== false) {
      if (config.migrateOnStart) await migrateToLatest(database.db);
      else if ((await pendingMigrations(database.db)).length > 0) {
        throw new CliError('The database has pending migrations: run `support-central migrate` first');
      }
    }
    services = createServices({
      config,
      db: database.db,
      dialect: database.dialect,
      bus,
      clock: systemClock,
      logger,
      redis: undefined,
      sqliteWriter: database.sqliteWriter,
      // Never started: a command does its work itself, and carries out its own file deletions at the end.
      jobs,
    });
    registerJobs(jobs, { services, db: database.db, clock: systemClock, bus });
    if (options.migrate !== false) {
      await services.keys.initialise();
      await services.settings.initialise(config.settingSeeds);
    }
    const result = await fn({ config, logger, database, services });
    // Files of what the command erased are deleted through the outbox: carry those rows out before exiting.
    if (options.migrate !== false) await jobs.drainOutbox({ topics: [DELETE_FILES_TOPIC] });
    return result;
  } finally {
    services?.mailer.close();
    await bus.close();
    await database.close();
  }
}
