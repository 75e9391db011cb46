import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import LocalStore from '@fastify/rate-limit/store/LocalStore.js';
import RedisStore from '@fastify/rate-limit/store/RedisStore.js';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';

type Callback = Parameters<FastifyRateLimitStore['incr']>[1];
type RouteOptions = Parameters<FastifyRateLimitStore['child']>[0];
interface StoreOptions {
  continueExceeding?: boolean;
  exponentialBackoff?: boolean;
  cache?: number;
}
interface ReadableStore extends FastifyRateLimitStore {
  read(key: string, callback: Callback, timeWindow: number, max: number): void;
}

/**
 * The HTTP per-IP limits' store: counters in Redis, shared by every instance, and while Redis is unreachable this
 * instance's own memory, so a limit is never lifted by an outage (the plugin's `skipOnError` would let everything
 * through). A command that fails falls back for that request; while the client is not connected, requests go
 * straight to memory without waiting. Counting restarts from zero on each side of a switch: within one window an
 * outage can at most double a client's budget on one instance, never remove it.
 */
export function redisWithFallbackStore(redis: Redis, nameSpace: string, logger: Logger): FastifyRateLimitStoreCtor {
  let degraded = false;
  const fellBack = (err: Error | undefined) => {
    if (degraded) return;
    degraded = true;
    logger.warn(
      { err: err ? { message: err.message } : undefined },
      'HTTP rate limits count in this instance’s memory while Redis is unreachable',
    );
  };
  redis.on('ready', () => (degraded = false));

  class FallbackStore implements ReadableStore {
    constructor(
      private readonly remote: ReadableStore,
      private readonly local: ReadableStore,
    ) {}

    private run(method: 'incr' | 'read', key: string, callback: Callback, timeWindow: number, max: number): void {
      if (redis.status !== 'ready') {
        fellBack(undefined);
        this.local[method](key, callback, timeWindow, max);
        return;
      }
      this.remote[method](
        key,
        (err, result) => {
          if (!err) return callback(null, result);
          fellBack(err);
          this.local[method](key, callback, timeWindow, max);
        },
        timeWindow,
        max,
      );
    }

    incr(key: string, callback: Callback, timeWindow: number, max: number): void {
      this.run('incr', key, callback, timeWindow, max);
    }

    read(key: string, callback: Callback, timeWindow: number, max: number): void {
      this.run('read', key, callback, timeWindow, max);
    }

    child(routeOptions: RouteOptions): FastifyRateLimitStore {
      return new FallbackStore(
        this.remote.child(routeOptions) as ReadableStore,
        this.local.child(routeOptions) as ReadableStore,
      );
    }
  }

  return class extends FallbackStore {
    constructor(options: StoreOptions) {
      super(
        new RedisStore(options.continueExceeding, options.exponentialBackoff, redis, nameSpace) as ReadableStore,
        new LocalStore(options.continueExceeding, options.exponentialBackoff, options.cache) as ReadableStore,
      );
    }
  } as unknown as FastifyRateLimitStoreCtor;
}
