import type { Redis } from 'ioredis';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { createLimiter, isRateLimiterRes, rateLimitedError } from '../../core/rate-limiter.js';

const ACCOUNT_FAILURES = 5;
const IP_FAILURES = 50;
const WINDOW_SECONDS = 15 * 60;
const MAX_BLOCK_SECONDS = 15 * 60;

/**
 * Brute-force protection for sign-in: after 5 failures on one login name within 15 minutes that name is blocked
 * with an exponential backoff (30 s, 60 s, 120 s … up to 15 min); after 50 failures from one IP, the IP is blocked
 * for 15 minutes. Keys are the submitted login text, so unknown accounts throttle exactly like real ones and the
 * answer never reveals whether an account exists.
 */
export class LoginThrottle {
  private readonly byAccount: RateLimiterAbstract;
  private readonly blocks: RateLimiterAbstract;
  private readonly byIp: RateLimiterAbstract;

  constructor(redis: Redis | undefined, keyPrefix?: string) {
    this.byAccount = createLimiter(
      { name: 'login-account', points: ACCOUNT_FAILURES, durationSeconds: WINDOW_SECONDS },
      redis,
      keyPrefix,
    );
    this.blocks = createLimiter({ name: 'login-blocks', points: 1_000, durationSeconds: 24 * 3600 }, redis, keyPrefix);
    this.byIp = createLimiter(
      { name: 'login-ip', points: IP_FAILURES, durationSeconds: WINDOW_SECONDS, blockSeconds: WINDOW_SECONDS },
      redis,
      keyPrefix,
    );
  }

  /** Throws rate_limited (with Retry-After) when this login name or IP is currently blocked. */
  async assertAllowed(accountKey: string, ip: string): Promise<void> {
    const [account, address] = await Promise.all([this.byAccount.get(accountKey), this.byIp.get(ip)]);
    const waits = [account, address]
      .filter((r) => r !== null && r.remainingPoints <= 0 && r.msBeforeNext > 0)
      .map((r) => r!.msBeforeNext);
    if (waits.length > 0)
      throw rateLimitedError(Math.max(...waits), 'Too many sign-in attempts. Please wait and try again.');
  }

  async recordFailure(accountKey: string, ip: string): Promise<void> {
    await this.byIp.consume(ip).catch(swallowLimit);
    try {
      await this.byAccount.consume(accountKey);
    } catch (err) {
      if (!isRateLimiterRes(err)) throw err;
      // Each time the window is exhausted the block doubles.
      const blocks = await this.blocks.consume(accountKey).catch((e: unknown) => (isRateLimiterRes(e) ? e : undefined));
      const n = blocks ? blocks.consumedPoints : 1;
      await this.byAccount.block(accountKey, Math.min(MAX_BLOCK_SECONDS, 30 * 2 ** Math.max(0, n - 1)));
    }
  }

  async recordSuccess(accountKey: string): Promise<void> {
    await Promise.all([this.byAccount.delete(accountKey), this.blocks.delete(accountKey)]);
  }
}

function swallowLimit(err: unknown): void {
  if (!isRateLimiterRes(err)) throw err;
}
