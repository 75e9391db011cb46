import { Writable } from 'node:stream';
import { createApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import type { Clock } from '../../src/core/clock.js';
import type { AppContext } from '../../src/core/context.js';
import { createLogger } from '../../src/core/logger.js';
import { createDb, type Dialect } from '../../src/db/database.js';
import { createTestDatabase, type TestDatabase } from './dialects.js';
import { HttpClient } from './http-client.js';

export interface TestAppOptions {
  /** Extra environment, as an operator would set it. */
  env?: Record<string, string>;
  clock?: Clock;
  /** Serve the staff side on its own (random) port, like STAFF_PORT. */
  separateStaffPort?: boolean;
  /** Reuse a database (two apps sharing one database, or a restart). */
  database?: TestDatabase;
  /** Adjust the parsed configuration (e.g. point DATABASE_URL through a proxy). */
  configure?: (config: Config) => Config;
}

export interface TestApp {
  app: App;
  ctx: AppContext;
  config: Config;
  database: TestDatabase;
  url: string;
  staffUrl: string;
  /** Every log line the app wrote, as JSON text. */
  logs: string[];
  /** A cookie-keeping client for the public side (and staff side when on the same port). */
  client(): HttpClient;
  staffClient(): HttpClient;
  stop(): Promise<void>;
}

/** The real app on port 0 against a fresh database of `dialect`: what integration suites drive. */
export async function startTestApp(dialect: Dialect, options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase(dialect));
  const ownsDatabase = options.database === undefined;
  let config = loadConfig(
    {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      DATA_DIR: database.dataDir,
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '5',
      LOG_LEVEL: 'info',
      // Cheap password hashing: tests hash hundreds of passwords; production refuses these values.
      PASSWORD_HASH_MEMORY_KIB: '1024',
      PASSWORD_HASH_TIME_COST: '1',
      // Generous per-IP limits: every test client comes from 127.0.0.1. Tests of a limit set their own.
      LIMIT_LOGIN_PER_IP_PER_MINUTE: '10000',
      LIMIT_REGISTRATIONS_PER_IP_PER_HOUR: '10000',
      LIMIT_VISITOR_SESSIONS_PER_IP_PER_HOUR: '10000',
      LIMIT_PASSWORD_RESETS_PER_IP_PER_HOUR: '10000',
      LIMIT_CONVERSATIONS_PER_IP_PER_HOUR: '10000',
      LIMIT_MESSAGES_PER_10_SECONDS: '10000',
      LIMIT_UPLOADS_PER_MINUTE: '10000',
      ...options.env,
    },
    { envFile: false, cwd: database.dataDir },
  );
  config = { ...config, port: 0, staffPort: options.separateStaffPort ? 0 : undefined };
  if (options.configure) config = options.configure(config);

  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const handle = createDb(config.database, logger);
  const app = await createApp({ config, database: handle, logger, clock: options.clock });
  let urls: { publicUrl: string; staffUrl: string };
  try {
    urls = await app.start();
  } catch (err) {
    await app.stop().catch(() => undefined);
    if (ownsDatabase) await database.drop().catch(() => undefined);
    throw err;
  }
  let stopped = false;
  return {
    app,
    ctx: app.ctx,
    config,
    database,
    url: urls.publicUrl,
    staffUrl: urls.staffUrl,
    logs,
    client: () => new HttpClient(urls.publicUrl),
    staffClient: () => new HttpClient(urls.staffUrl),
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.stop();
      if (ownsDatabase) await database.drop();
    },
  };
}
