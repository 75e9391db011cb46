import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/config.js';
import { systemClock, type Clock } from './core/clock.js';
import type { AppContext } from './core/context.js';
import type { Logger } from './core/logger.js';
import type { DatabaseHandle } from './db/database.js';
import { assertNoUnknownMigrations, migrateToLatest, pendingMigrations } from './db/migrate.js';
import { createBus } from './events/create-bus.js';
import { createRedisClient } from './core/redis-client.js';
import type { EventBus } from './events/event-bus.js';
import { createHttpServer } from './http/create-http-server.js';
import type { Side } from './core/sides.js';
import { createServices } from './modules/services.js';
import type { AttachmentStorage } from './modules/attachments/attachment.storage.js';
import { Metrics } from './observability/metrics.js';
import { createRealtime, type Realtime } from './realtime/realtime.js';
import { JobsRunner } from './jobs/jobs-runner.js';
import { registerJobs } from './jobs/register-jobs.js';

/** Accept-queue length asked of the kernel (capped by net.core.somaxconn; see docs/deployment.md). */
const LISTEN_BACKLOG = 4096;

export interface AppOptions {
  config: Config;
  database: DatabaseHandle;
  logger: Logger;
  bus?: EventBus;
  clock?: Clock;
  /** Attachment storage; by default a folder of DATA_DIR (see defaultAttachmentStorage). */
  storage?: AttachmentStorage;
}

export interface Listener {
  sides: readonly Side[];
  http: FastifyInstance;
  url?: string;
}

export interface App {
  ctx: AppContext;
  realtime: Realtime;
  listeners: Listener[];
  /** Migrates (or checks), loads encryption keys and settings, and listens. Resolves with the listening URLs. */
  start(): Promise<{ publicUrl: string; staffUrl: string }>;
  /** Graceful stop: sockets (with a reconnect hint), HTTP, in-flight writes, bus, database pool. */
  stop(): Promise<void>;
}

export class StartupError extends Error {
  override name = 'StartupError';
}

/** The composition root's workhorse: wires config, database, bus and clock into services, HTTP and sockets. */
export async function createApp(options: AppOptions): Promise<App> {
  const { config, database, logger } = options;
  const clock = options.clock ?? systemClock;
  const bus = options.bus ?? createBus(config, logger);
  const db = database.db;
  const metrics = new Metrics();
  const redis = createRedisClient(config, logger, 'counters');
  const jobs = new JobsRunner({ db, bus, clock, logger });
  const services = createServices({
    config,
    db,
    dialect: database.dialect,
    bus,
    clock,
    logger,
    redis,
    storage: options.storage,
    sqliteWriter: database.sqliteWriter,
    jobs,
  });
  services.writer.onBatch = (size) => {
    metrics.messageBatches.observe(size);
    metrics.messagesCommitted.inc(size);
  };
  const ctx: AppContext = { config, database, db, bus, clock, logger, metrics, services, redis, jobs };
  registerJobs(jobs, ctx);

  const realtime = createRealtime(ctx);
  const layout: (readonly Side[])[] = config.staffPort === undefined ? [['public', 'staff']] : [['public'], ['staff']];
  const listeners: Listener[] = [];
  for (const sides of layout) listeners.push({ sides, http: await createHttpServer(ctx, sides) });
  for (const l of listeners) realtime.attach(l.http.server, l.sides);

  let stopping: Promise<void> | undefined;

  return {
    ctx,
    realtime,
    listeners,
    async start() {
      // An older build never runs on a schema a newer one migrated, whether or not it migrates itself.
      await assertNoUnknownMigrations(db);
      if (config.migrateOnStart) {
        const applied = await migrateToLatest(db);
        if (applied.length > 0) logger.info({ applied }, 'migrations applied');
      } else {
        const pending = await pendingMigrations(db);
        if (pending.length > 0) {
          throw new StartupError(
            `${pending.length} pending migration(s) and MIGRATE_ON_START=false: run \`support-central migrate\` first`,
          );
        }
      }
      // Keys before anything else reads or writes content: refuses to start when keys for existing data are missing.
      await services.keys.initialise();
      await services.settings.initialise(config.settingSeeds);
      await services.storage.initialise();
      // Which webhook events have subscribers (decides whether a change writes a webhook outbox row).
      await services.webhookEndpoints.initialise();
      await services.snooze.primeHint();
      realtime.start();

      for (const l of listeners) {
        const port = l.sides.includes('public') ? config.port : (config.staffPort ?? config.port);
        // A reconnect storm (every client of an instance back at once) overflows Node's default accept queue of
        // 511: dropped SYNs retry after 1, 3, 7, 15 s… The kernel caps this at net.core.somaxconn.
        await l.http.listen({ port, host: config.host, backlog: LISTEN_BACKLOG });
        const address = l.http.server.address() as AddressInfo;
        const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        l.url = `${config.tls ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
      }
      const publicUrl = listeners[0]!.url!;
      const staffUrl = listeners[listeners.length - 1]!.url!;
      // Jobs (src/jobs/register-jobs.ts): the outbox, reply e-mails, sweeps, retention, presence heartbeat.
      services.presence.start();
      services.replyMail.setFallbackOrigin(publicUrl);
      if (services.mailer.isConfigured && !config.publicOrigin) {
        logger.warn(
          { linkOrigin: publicUrl },
          'SMTP is configured but PUBLIC_ORIGIN is not: links in e-mails point to the address this instance listens on',
        );
      }
      jobs.start();
      return { publicUrl, staffUrl };
    },
    stop() {
      stopping ??= (async () => {
        // 1. Stop accepting: Fastify answers new requests with 503 and closes its listening sockets.
        const closing = listeners.map((l) => l.http.close());
        // 2. Sockets: tell clients to reconnect (to another instance), close their transports.
        await realtime.close();
        // 3. In-flight HTTP requests finish; queued message writes commit; then nothing can write any more.
        await Promise.allSettled(closing);
        await services.writer.drain();
        // Outbox rows of the last writes stay in the database for the next instance (or this one, restarted).
        await jobs.stop();
        await services.presence.stop();
        // 4. Bus, Redis and database last: everything above may still have been using them.
        await bus.close();
        redis?.disconnect();
        services.mailer.close();
        await database.close();
      })();
      return stopping;
    },
  };
}
