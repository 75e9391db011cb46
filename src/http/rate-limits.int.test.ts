import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisServerAvailable, startPrivateRedis, type PrivateRedis } from '../../test/harness/private-services.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

const runnable = await redisServerAvailable();

// The limit's store is Redis, not the database: SQLite only, with a Redis of our own that the test stops.
describe.skipIf(!runnable)('HTTP rate limits while Redis is down', () => {
  let redis: PrivateRedis;
  let t: TestApp;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    t = await startTestApp('sqlite', {
      env: {
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: `rl-${randomBytes(4).toString('hex')}`,
        LIMIT_VISITOR_SESSIONS_PER_IP_PER_HOUR: '3',
      },
    });
  });
  afterAll(async () => {
    await t?.stop();
    await redis?.stop();
  });

  const newSession = async () => (await t.client().post('/api/visitor/session', {})).status;

  it('counts in Redis while it is up, and falls back to this instance’s memory (never to no limit) when it is not', async () => {
    expect([await newSession(), await newSession(), await newSession(), await newSession()]).toEqual([
      201, 201, 201, 429,
    ]);
    await redis.stop();
    // The counters start again from zero in memory, but the limit holds.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await newSession());
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    expect(t.logs.some((l) => l.includes('HTTP rate limits count in this instance’s memory'))).toBe(true);
  });
});
