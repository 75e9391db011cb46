import { createRequire } from 'node:module';
import type * as IORedis from 'ioredis';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import type { Logger } from './logger.js';

/**
 * A Redis connection for shared counters (rate limits). Commands fail fast while Redis is down (no offline
 * queue) so callers fall back to per-instance memory instead of hanging.
 */
export function createRedisClient(config: Config, logger: Logger, name: string): Redis | undefined {
  if (!config.redis) return undefined;
  // Loaded when Redis is configured: a single instance never pays for ioredis at start.
  const { Redis } = createRequire(import.meta.url)('ioredis') as typeof IORedis;
  const client = new Redis(config.redis.url, {
    connectionName: `sc-${name}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times: number) => Math.min(100 * times, 2_000),
  });
  let warned = false;
  client.on('error', (err: Error) => {
    if (!warned) logger.warn({ err: { message: err.message }, client: name }, 'redis error');
    warned = true;
  });
  client.on('ready', () => (warned = false));
  return client;
}
