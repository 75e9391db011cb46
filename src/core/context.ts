import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import type { DatabaseHandle, Db } from '../db/database.js';
import type { EventBus } from '../events/event-bus.js';
import type { JobsRunner } from '../jobs/jobs-runner.js';
import type { Services } from '../modules/services.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

/** Everything a request handler, socket handler, job or CLI command may use; built once by createApp. */
export interface AppContext {
  config: Config;
  database: DatabaseHandle;
  db: Db;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  services: Services;
  /** Shared counters across instances (rate limits); undefined without REDIS_URL. */
  redis: Redis | undefined;
  /** Outbox handlers and periodic tasks (src/jobs/). */
  jobs: JobsRunner;
}
