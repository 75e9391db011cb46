import type { Config } from '../config/config.js';
import type { Logger } from '../core/logger.js';
import { InProcessBus, type EventBus } from './event-bus.js';
import { RedisBus } from './redis-bus.js';

/** Redis when REDIS_URL is set (several instances), in-process otherwise (one instance). */
export function createBus(config: Config, logger: Logger): EventBus {
  return config.redis ? new RedisBus(config.redis.url, config.redis.keyPrefix, logger) : new InProcessBus(logger);
}
