import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../core/logger.js';
import { redisServerAvailable, startPrivateRedis, type PrivateRedis } from '../../test/harness/private-services.js';
import { startTestApp } from '../../test/harness/test-app.js';
import { domainEvent } from './domain-events.js';
import { InProcessBus } from './event-bus.js';
import { RedisBus } from './redis-bus.js';

const silent = createLogger('silent');

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('in-process bus', () => {
  it('delivers to subscribers after the publisher returns, and survives a failing handler', async () => {
    const bus = new InProcessBus(silent);
    const seen: string[] = [];
    bus.on('settings.changed', () => {
      throw new Error('handler bug');
    });
    bus.on('settings.changed', ({ key }) => void seen.push(key));
    bus.publish(domainEvent('settings.changed', { key: 'a' }));
    expect(seen).toEqual([]); // not inside the publisher's call stack
    await sleep(0);
    expect(seen).toEqual(['a']);
  });
});

describe.skipIf(!(await redisServerAvailable()))('Redis bus', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(() => redis?.stop());

  it('delivers events across instances exactly once each, and locally without Redis round trips', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}`;
    const a = new RedisBus(redis.url, prefix, silent);
    const b = new RedisBus(redis.url, prefix, silent);
    try {
      await until(() => a.status() === 'ok' && b.status() === 'ok');
      const seenA: string[] = [];
      const seenB: string[] = [];
      a.on('settings.changed', ({ key }) => void seenA.push(key));
      b.on('settings.changed', ({ key }) => void seenB.push(key));
      a.publish(domainEvent('settings.changed', { key: 'from-a' }));
      b.publish(domainEvent('settings.changed', { key: 'from-b' }));
      await until(() => seenA.length === 2 && seenB.length === 2);
      await sleep(100);
      expect(seenA.sort()).toEqual(['from-a', 'from-b']);
      expect(seenB.sort()).toEqual(['from-a', 'from-b']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps local delivery during an outage, reports degraded, and asks for a resync when Redis returns', async () => {
    const own = await startPrivateRedis();
    const bus = new RedisBus(own.url, 'outage', silent);
    try {
      await until(() => bus.status() === 'ok');
      let resyncs = 0;
      bus.onResync(() => void resyncs++);
      const seen: string[] = [];
      bus.on('settings.changed', ({ key }) => void seen.push(key));

      await own.stop();
      await until(() => bus.status() === 'degraded');
      bus.publish(domainEvent('settings.changed', { key: 'during-outage' }));
      await until(() => seen.length === 1);

      await own.restart();
      await until(() => bus.status() === 'ok', 10_000);
      await until(() => resyncs >= 1);
    } finally {
      await bus.close();
      await own.stop();
    }
  });

  it('keeps /readyz at 200 with Redis reported as degraded while Redis is down', async () => {
    const own = await startPrivateRedis();
    const t = await startTestApp('sqlite', { env: { REDIS_URL: own.url, REDIS_KEY_PREFIX: 'readyz' } });
    try {
      const c = t.client();
      await until(() => t.ctx.bus.status() === 'ok');
      expect((await c.get('/readyz')).body.checks.redis).toBe('ok');
      await own.stop();
      await until(() => t.ctx.bus.status() === 'degraded');
      const r = await c.get('/readyz');
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'degraded' } });
      await own.restart();
      await until(() => t.ctx.bus.status() === 'ok', 10_000);
      expect((await c.get('/readyz')).body.checks.redis).toBe('ok');
    } finally {
      await t.stop();
      await own.stop();
    }
  });
});
