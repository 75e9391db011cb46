import { isIP } from 'node:net';
import type { Redis } from 'ioredis';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { createLimiter, isRateLimiterRes, rateLimitedError } from '../../core/rate-limiter.js';

const PAIR_FAILURES = 5;
const CLIENT_FAILURES = 50;
const ACCOUNT_FAILURES = 100;
const WINDOW_SECONDS = 15 * 60;
const MAX_BLOCK_SECONDS = 15 * 60;
// Below 24.8 days: the in-memory limiter expires keys with setTimeout, whose delay is a 32-bit number of ms.
const KNOWN_CLIENT_SECONDS = 14 * 24 * 3600;

/**
 * The client part of a throttle key: the address, or its /64 for IPv6 (one subscriber holds a whole /64, so single
 * IPv6 addresses cost an attacker nothing).
 */
export function clientKey(ip: string): string {
  if (isIP(ip) !== 6 || ip.includes('.')) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::')
    ? [...left, ...Array.from({ length: 8 - left.length - right.length }, () => '0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * Brute-force protection for sign-in, by account **and** client (OWASP), so that someone who knows a username
 * cannot lock its owner out:
 * - one login name from one client: after 5 failures within 15 minutes that pair is blocked with an exponential
 *   backoff (30 s, 60 s, 120 s … up to 15 min); the same name from another client is not affected;
 * - one client, any names: 50 failures within 15 minutes block the client for 15 minutes;
 * - one login name, any clients (a distributed guess): 100 failures within 15 minutes block the name for every
 *   client that has not signed in to it successfully in the last 14 days, until the window ends; its owner's
 *   usual devices still get in.
 * Keys are the submitted login text, so unknown accounts throttle exactly like real ones and the answer never
 * reveals whether an account exists.
 */
export class LoginThrottle {
  private readonly byPair: RateLimiterAbstract;
  private readonly pairBlocks: RateLimiterAbstract;
  private readonly byClient: RateLimiterAbstract;
  private readonly byAccount: RateLimiterAbstract;
  private readonly knownClients: RateLimiterAbstract;

  constructor(redis: Redis | undefined, keyPrefix?: string) {
    const limiter = (name: string, points: number, durationSeconds: number, blockSeconds?: number) =>
      createLimiter({ name, points, durationSeconds, blockSeconds }, redis, keyPrefix);
    this.byPair = limiter('login-pair', PAIR_FAILURES, WINDOW_SECONDS);
    this.pairBlocks = limiter('login-pair-blocks', 1_000, 24 * 3600);
    this.byClient = limiter('login-ip', CLIENT_FAILURES, WINDOW_SECONDS, WINDOW_SECONDS);
    this.byAccount = limiter('login-account', ACCOUNT_FAILURES, WINDOW_SECONDS);
    this.knownClients = limiter('login-known', 1_000_000, KNOWN_CLIENT_SECONDS);
  }

  /** Throws rate_limited (with Retry-After) when this client may not try this login name now. */
  async assertAllowed(accountKey: string, ip: string): Promise<void> {
    const pair = pairKey(accountKey, ip);
    const [byPair, byClient, byAccount] = await Promise.all([
      this.byPair.get(pair),
      this.byClient.get(clientKey(ip)),
      this.byAccount.get(accountKey),
    ]);
    const exhausted = (r: Awaited<ReturnType<RateLimiterAbstract['get']>>) =>
      r !== null && r.remainingPoints <= 0 && r.msBeforeNext > 0 ? r.msBeforeNext : undefined;
    const waits = [exhausted(byPair), exhausted(byClient)];
    const accountWait = exhausted(byAccount);
    if (accountWait !== undefined && (await this.knownClients.get(pair)) === null) waits.push(accountWait);
    const wait = Math.max(0, ...waits.filter((w) => w !== undefined));
    if (wait > 0) throw rateLimitedError(wait, 'Too many sign-in attempts. Please wait and try again.');
  }

  async recordFailure(accountKey: string, ip: string): Promise<void> {
    const pair = pairKey(accountKey, ip);
    await Promise.all([
      this.byClient.consume(clientKey(ip)).catch(swallowLimit),
      this.byAccount.consume(accountKey).catch(swallowLimit),
    ]);
    try {
      await this.byPair.consume(pair);
    } catch (err) {
      if (!isRateLimiterRes(err)) throw err;
      // Each time the window is exhausted the block doubles.
      const blocks = await this.pairBlocks.consume(pair).catch((e: unknown) => (isRateLimiterRes(e) ? e : undefined));
      const n = blocks ? blocks.consumedPoints : 1;
      await this.byPair.block(pair, Math.min(MAX_BLOCK_SECONDS, 30 * 2 ** Math.max(0, n - 1)));
    }
  }

  /** A successful sign-in clears this pair's failures and makes the client a known one for this name. */
  async recordSuccess(accountKey: string, ip: string): Promise<void> {
    const pair = pairKey(accountKey, ip);
    await Promise.all([
      this.byPair.delete(pair),
      this.pairBlocks.delete(pair),
      this.knownClients.consume(pair).catch(swallowLimit),
    ]);
  }
}

const pairKey = (accountKey: string, ip: string) => `${accountKey}|${clientKey(ip)}`;

function swallowLimit(err: unknown): void {
  if (!isRateLimiterRes(err)) throw err;
}
