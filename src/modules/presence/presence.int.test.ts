import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DateTime } from 'luxon';
import { Redis } from 'ioredis';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { createLogger } from '../../core/logger.js';
import type { DomainEventMap } from '../../events/domain-events.js';
import { InProcessBus } from '../../events/event-bus.js';
import { STATUS_EVENT } from '../../realtime/status-publisher.js';
import { WEEKDAYS, type SupportStatusWire } from '../../shared/schedule.schemas.js';
import { createTestDatabase, describeEachDialect } from '../../../test/harness/dialects.js';
import { createStaff, staffClient, visitorClient } from '../../../test/harness/factories.js';
import { redisServerAvailable, startPrivateRedis, type PrivateRedis } from '../../../test/harness/private-services.js';
import { connected, socketClient } from '../../../test/harness/sockets.js';
import { startTestApp } from '../../../test/harness/test-app.js';
import { PresenceService } from './presence.service.js';

const logger = createLogger('silent');

describe('PresenceService without Redis (one instance)', () => {
  it('counts distinct staff users and knows which owners are connected, announcing count changes', async () => {
    const bus = new InProcessBus(logger);
    const changes: number[] = [];
    bus.on('presence.changed', ({ agentsOnline }) => void changes.push(agentsOnline));
    const presence = new PresenceService({ redis: undefined, keyPrefix: 't', bus, logger });
    expect(await presence.agentsOnline()).toBe(0);
    presence.staffConnected('u1');
    presence.staffConnected('u1'); // a second tab
    presence.staffConnected('u2');
    expect(await presence.agentsOnline()).toBe(2);
    presence.staffDisconnected('u1');
    expect(await presence.agentsOnline()).toBe(2);
    presence.staffDisconnected('u1');
    presence.staffDisconnected('u2');
    presence.staffDisconnected('u2'); // more goodbyes than hellos never go negative
    expect(await presence.agentsOnline()).toBe(0);
    await sleep(120);
    expect(changes.at(-1)).toBe(0);

    presence.ownerConnected('visitor:v1');
    expect(await presence.isOwnerConnected('visitor:v1')).toBe(true);
    expect(await presence.isOwnerConnected('visitor:v2')).toBe(false);
    presence.ownerDisconnected('visitor:v1');
    expect(await presence.isOwnerConnected('visitor:v1')).toBe(false);
    await presence.stop();
  });
});

const haveRedis = await redisServerAvailable();

describe.skipIf(!haveRedis)('PresenceService across instances (private Redis)', () => {
  let redis: PrivateRedis;
  const clients: Redis[] = [];
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await redis?.stop();
  });

  async function instance(prefix: string, options = {}) {
    const client = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined); // outages are the point of some tests here
    clients.push(client);
    await new Promise<void>((resolve) => client.once('ready', () => resolve()));
    const bus = new InProcessBus(logger);
    const presence = new PresenceService(
      { redis: client, keyPrefix: prefix, bus, logger },
      { heartbeatMs: 100, ttlMs: 400, cacheMs: 0, ...options },
    );
    presence.start();
    return { presence, client };
  }

  it('counts the union of live instances, and forgets an instance that dies without a goodbye', async () => {
    const prefix = `p${randomBytes(4).toString('hex')}`;
    const a = await instance(prefix);
    const b = await instance(prefix);
    a.presence.staffConnected('alice');
    b.presence.staffConnected('alice'); // the same agent on two instances counts once
    b.presence.staffConnected('bob');
    await expect.poll(() => a.presence.agentsOnline()).toBe(2);
    expect(await b.presence.agentsOnline()).toBe(2);

    b.presence.ownerConnected('visitor:v9');
    await expect.poll(() => a.presence.isOwnerConnected('visitor:v9')).toBe(true);
    expect(await a.presence.isOwnerConnected('customer:c1')).toBe(false);

    // B dies: its heartbeat stops and its keys expire; A stops counting bob and forgets the visitor.
    b.client.disconnect();
    await expect.poll(() => a.presence.agentsOnline(), { timeout: 5_000 }).toBe(1);
    expect(await a.presence.isOwnerConnected('visitor:v9')).toBe(false);
    await a.presence.stop();
  });

  it('rewrites its members after a Redis outage', async () => {
    const prefix = `p${randomBytes(4).toString('hex')}`;
    const a = await instance(prefix, { ttlMs: 60_000 });
    const b = await instance(prefix, { ttlMs: 60_000 });
    b.presence.staffConnected('carol');
    await expect.poll(() => a.presence.agentsOnline()).toBe(1);
    await redis.stop();
    // While Redis is away each instance answers for its own sockets.
    b.presence.staffConnected('dave');
    expect(await a.presence.agentsOnline()).toBe(0);
    expect(await b.presence.agentsOnline()).toBe(2);
    await redis.restart();
    // Redis came back empty (no persistence): B's heartbeat writes its members again.
    await expect.poll(() => a.presence.agentsOnline(), { timeout: 10_000 }).toBe(2);
    await a.presence.stop();
    await b.presence.stop();
  });
});

const NY = 'America/New_York';
const ny = (iso: string) => DateTime.fromISO(iso, { zone: NY }).toMillis();
const business = Object.fromEntries(WEEKDAYS.map((d, i) => [d, i < 5 ? [{ start: '09:00', end: '16:30' }] : []]));

describeEachDialect('presence across two app instances', (dialect) => {
  let redis: PrivateRedis | undefined;
  beforeAll(async () => {
    if (haveRedis) redis = await startPrivateRedis();
  });
  afterAll(() => redis?.stop());

  it.skipIf(!haveRedis)(
    'an agent on instance A turns "all agents are away" into "online" on B’s landing pages, and back',
    async () => {
      const database = await createTestDatabase(dialect);
      const env = {
        SUPPORT_TIMEZONE: NY,
        REDIS_URL: redis!.url,
        REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}`,
      };
      const clock = new ManualClock(ny('2026-11-23T10:00'));
      const a = await startTestApp(dialect, { database, clock, env });
      const b = await startTestApp(dialect, { database, clock, env });
      const sockets: Socket[] = [];
      try {
        await expect.poll(() => a.ctx.bus.status() === 'ok' && b.ctx.bus.status() === 'ok').toBe(true);
        await a.ctx.services.schedule.setWeek(business, 'admin');
        const landing = socketClient(b.url, '/public');
        sockets.push(landing);
        const frames: SupportStatusWire[] = [];
        landing.on(STATUS_EVENT, (f: SupportStatusWire) => frames.push(f));
        await connected(landing);
        await expect.poll(() => frames.at(-1)?.message).toMatch(/but all agents are away/);

        const agent = await staffClient(a, await createStaff(a, 'agent'));
        const desk = socketClient(a.url, '/staff', { cookie: agent.cookieHeader() });
        sockets.push(desk);
        await connected(desk);
        await expect.poll(() => frames.at(-1)?.agentsOnline).toBe(1);
        expect(frames.at(-1)?.message).toBe("We're online until 4:30 PM today (EST).");
        expect((await b.client().get('/api/status')).body.agentsOnline).toBe(1);

        // A visitor connected to B is known to A (an agent on A replying will not e-mail them).
        const visitor = await visitorClient(b);
        const chat = socketClient(b.url, '/visitor', { cookie: visitor.client.cookieHeader() });
        sockets.push(chat);
        await connected(chat);
        await expect.poll(() => a.ctx.services.presence.isOwnerConnected(`visitor:${visitor.visitorId}`)).toBe(true);
        chat.close();
        await expect.poll(() => a.ctx.services.presence.isOwnerConnected(`visitor:${visitor.visitorId}`)).toBe(false);

        const seen: DomainEventMap['presence.changed'][] = [];
        b.ctx.bus.on('presence.changed', (e) => void seen.push(e));
        desk.close();
        await expect.poll(() => frames.at(-1)?.agentsOnline).toBe(0);
        expect(frames.at(-1)?.message).toMatch(/^We're open until 4:30 PM today \(EST\), but all agents are away/);
        expect(seen).toContainEqual({ agentsOnline: 0 });
      } finally {
        for (const s of sockets) s.close();
        await b.stop();
        await a.stop();
        await database.drop();
      }
    },
  );
});
