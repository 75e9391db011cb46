import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DateTime } from 'luxon';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { WEEKDAYS, type SupportStatusWire } from '../shared/schedule.schemas.js';
import { createTestDatabase, describeEachDialect } from '../../test/harness/dialects.js';
import { redisServerAvailable, startPrivateRedis, type PrivateRedis } from '../../test/harness/private-services.js';
import { connected, socketClient } from '../../test/harness/sockets.js';
import { startTestApp } from '../../test/harness/test-app.js';
import { STATUS_EVENT } from './status-publisher.js';

const NY = 'America/New_York';
const ny = (iso: string) => DateTime.fromISO(iso, { zone: NY }).toMillis();
const business = Object.fromEntries(WEEKDAYS.map((d, i) => [d, i < 5 ? [{ start: '09:00', end: '16:30' }] : []]));

/** Every status frame the socket receives, in order. */
function recordStatus(socket: Socket): SupportStatusWire[] {
  const frames: SupportStatusWire[] = [];
  socket.on(STATUS_EVENT, (frame: SupportStatusWire) => frames.push(frame));
  return frames;
}

async function until<T>(find: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describeEachDialect('support status over the /public socket namespace', (dialect) => {
  it('sends the status on connection and pushes it when the schedule is edited', async () => {
    const clock = new ManualClock(ny('2026-11-23T10:00'));
    const t = await startTestApp(dialect, { clock, env: { SUPPORT_TIMEZONE: NY } });
    const socket = socketClient(t.url, '/public');
    try {
      const frames = recordStatus(socket);
      await connected(socket);
      // Never configured: open around the clock.
      const first = await until(() => frames[0], 'the status on connection');
      expect(first).toMatchObject({ available: true, reason: 'open', timezone: NY });

      await t.ctx.services.schedule.setWeek({ ...business, monday: [] }, 'admin');
      const pushed = await until(() => frames.find((f) => !f.available), 'a push after the edit');
      expect(pushed).toMatchObject({ reason: 'closed_today', nextAvailable: { text: '9:00 AM tomorrow (EST)' } });

      await t.ctx.services.schedule.createOverride({ date: '2026-11-24', kind: 'closed', reason: 'Inventory' }, 'a');
      const override = await until(
        () => frames.find((f) => f.nextAvailable?.text === '9:00 AM Wednesday (EST)'),
        'a push after the override',
      );
      expect(override.available).toBe(false);
    } finally {
      socket.close();
      await t.stop();
    }
  });

  it('pushes at the opening instant, from the timer set for the next transition', async () => {
    // Two seconds before Monday's opening. The publisher's timer sleeps until 09:00 by this clock; the test
    // moves the clock to 09:00 meanwhile, and the timer's check then finds support open and pushes.
    const clock = new ManualClock(ny('2026-11-23T08:59:58'));
    const t = await startTestApp(dialect, { clock, env: { SUPPORT_TIMEZONE: NY } });
    await t.ctx.services.schedule.setWeek(business, 'admin');
    const socket = socketClient(t.url, '/public');
    try {
      const frames = recordStatus(socket);
      await connected(socket);
      await until(() => frames.find((f) => !f.available && f.nextAvailable?.text === '9:00 AM today (EST)'), 'closed');
      const seen = frames.length;
      clock.set(ny('2026-11-23T09:00'));
      // A push computed before the week was saved (an older cached schedule) may still arrive: wait for 09:00's.
      const opened = await until(
        () => frames.slice(seen).find((f) => f.available && f.now === '2026-11-23T09:00:00.000-05:00'),
        'the push at 09:00',
      );
      expect(opened).toMatchObject({
        reason: 'open',
        now: '2026-11-23T09:00:00.000-05:00',
        closesAt: { at: '2026-11-23T16:30:00.000-05:00' },
      });
    } finally {
      socket.close();
      await t.stop();
    }
  });
});

const haveRedis = await redisServerAvailable();

describeEachDialect('support status pushes across instances', (dialect) => {
  let redis: PrivateRedis | undefined;
  beforeAll(async () => {
    if (haveRedis) redis = await startPrivateRedis();
  });
  afterAll(() => redis?.stop());

  it.skipIf(!haveRedis)('reaches sockets on another instance when one instance edits the schedule', async () => {
    const database = await createTestDatabase(dialect);
    const env = { SUPPORT_TIMEZONE: NY, REDIS_URL: redis!.url, REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}` };
    const clock = new ManualClock(ny('2026-11-23T10:00'));
    const a = await startTestApp(dialect, { database, clock, env });
    const b = await startTestApp(dialect, { database, clock, env });
    const socket = socketClient(b.url, '/public');
    try {
      await until(() => (a.ctx.bus.status() === 'ok' && b.ctx.bus.status() === 'ok') || undefined, 'Redis');
      const frames = recordStatus(socket);
      await connected(socket);
      await until(() => frames[0], 'the status on connection');
      await a.ctx.services.schedule.setWeek({ ...business, monday: [{ start: '11:00', end: '12:00' }] }, 'admin');
      const pushed = await until(() => frames.find((f) => !f.available), 'the push from the other instance');
      expect(pushed.nextAvailable?.text).toBe('11:00 AM today (EST)');
      // B's own answer changed too: its cache was dropped by the event.
      expect(await b.ctx.services.schedule.isOpenForNewConversation()).toBe(false);
    } finally {
      socket.close();
      await b.stop();
      await a.stop();
      await database.drop();
    }
  });
});
