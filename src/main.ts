/**
 * Composition root: loadConfig → createDb → createApp → listen; graceful stop on SIGTERM/SIGINT.
 * `node dist/server/main.js` and `support-central serve` both land here.
 */
import { pathToFileURL } from 'node:url';
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { createLogger } from './core/logger.js';
import { createDb } from './db/database.js';
import { describeStartupFailure } from './core/startup-errors.js';

export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const startedAt = performance.now();
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    fail(err);
  }
  const logger = createLogger(config.logLevel);
  let database;
  try {
    database = createDb(config.database, logger);
    await database.ping(3_000);
  } catch (err) {
    fail(err, database ? `Cannot reach ${database.describe()}` : undefined);
  }

  const app = await createApp({ config, database, logger });
  let urls;
  try {
    urls = await app.start();
  } catch (err) {
    await app.stop().catch(() => undefined);
    fail(err, undefined, config);
  }
  logger.info(
    {
      publicUrl: urls.publicUrl,
      staffUrl: urls.staffUrl,
      database: database.describe(),
      readyMs: Math.round(performance.now() - startedAt),
    },
    `Support Central is ready on ${urls.publicUrl}`,
  );

  if ((await app.ctx.services.users.countActiveAdmins()) === 0) {
    logger.warn(
      'No admin account exists yet. Create the first one with: ' +
        'npm run cli -- create-admin USERNAME EMAIL - FIRST LAST "JOB TITLE" "DEPARTMENTS"  (the "-" prompts for the password)',
    );
  }

  let signalled = false;
  const shutdown = (signal: string) => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown took too long; exiting anyway');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** Prints one clear message (no stack trace) and exits 1. */
function fail(err: unknown, prefix?: string, config?: Config): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`Cannot start Support Central: ${describeStartupFailure(err, prefix, config)}\n`);
  }
  process.exit(1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await serve();
}
