import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  type RateLimiterAbstract,
  type RateLimiterRes,
} from 'rate-limiter-flexible';
import { AppError } from '../shared/errors.js';

export interface LimiterOptions {
  /** Name of the limit (Redis key prefix). */
  name: string;
  points: number;
  durationSeconds: number;
  blockSeconds?: number;
}

/**
 * A rate limiter shared by every instance through Redis when it is configured (falling back to this instance's
 * memory while Redis is unreachable), or in memory for a single instance.
 */
export function createLimiter(
  options: LimiterOptions,
  redis: Redis | undefined,
  keyPrefix = 'sc',
): RateLimiterAbstract {
  const base = {
    keyPrefix: `${keyPrefix}:rl:${options.name}`,
    points: options.points,
    duration: options.durationSeconds,
    blockDuration: options.blockSeconds ?? 0,
  };
  if (!redis) return new RateLimiterMemory(base);
  return new RateLimiterRedis({ ...base, storeClient: redis, insuranceLimiter: new RateLimiterMemory(base) });
}

export function isRateLimiterRes(value: unknown): value is RateLimiterRes {
  return typeof value === 'object' && value !== null && 'msBeforeNext' in value && 'remainingPoints' in value;
}

/** The 429 for a refused consume, with the wait in details (the HTTP layer turns it into Retry-After). */
export function rateLimitedError(msBeforeNext: number, message?: string): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new AppError('rate_limited', message, { retryAfterSeconds });
}

/** Consumes one point or throws rate_limited; other failures (a broken store) propagate. */
export async function consumeOrThrow(limiter: RateLimiterAbstract, key: string, message?: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (err) {
    if (isRateLimiterRes(err)) throw rateLimitedError(err.msBeforeNext, message);
    throw err;
  }
}
