import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../../test/harness/dialects.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';
import { failedOutbox } from '../db/outbox.js';
import { inTransaction } from '../db/transaction.js';
import { JobsRunner } from './jobs-runner.js';

describeEachDialect('jobs runner: outbox and periodic tasks', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    // The app's own runner would take the outbox lease now and then: these tests drain with runners of their own.
    await t.ctx.jobs.stop();
  });
  afterAll(() => t?.stop());

  /** A runner of its own on the app's database (not started: the tests drain by hand). */
  const runner = () => new JobsRunner({ db: t.ctx.db, bus: t.ctx.bus, clock: t.ctx.clock, logger: t.ctx.logger });
  const unique = () => `test.${Math.random().toString(36).slice(2)}`;

  it('carries out a committed row once, and never the row of a transaction that rolled back', async () => {
    const topic = unique();
    const seen: unknown[] = [];
    const r = runner();
    r.handle({ topic, handle: async (payload) => void seen.push(payload) });
    await inTransaction(t.ctx.db, t.ctx.bus, (uow) => uow.enqueue({ topic, payload: { n: 1 } }));
    await expect(
      inTransaction(t.ctx.db, t.ctx.bus, async (uow) => {
        await uow.enqueue({ topic, payload: { n: 2 } });
        throw new Error('the change fails');
      }),
    ).rejects.toThrow('the change fails');
    // The same effect enqueued twice under one key is stored once.
    for (let i = 0; i < 2; i++) {
      await inTransaction(t.ctx.db, t.ctx.bus, (uow) => uow.enqueue({ topic, payload: { n: 3 }, key: `${topic}:3` }));
    }
    await r.drainOutbox({ topics: [topic] });
    await r.drainOutbox({ topics: [topic] });
    expect(seen).toEqual([{ n: 1 }, { n: 3 }]);
    expect(await t.ctx.db.selectFrom('outbox').selectAll().where('topic', '=', topic).execute()).toEqual([]);
  });

  it('two instances draining at once carry out every row exactly once', async () => {
    const topic = unique();
    const seen: number[] = [];
    const [a, b] = [runner(), runner()];
    for (const r of [a, b]) {
      r.handle({
        topic,
        handle: async (payload) => {
          await sleep(2);
          seen.push((payload as { n: number }).n);
        },
      });
    }
    await inTransaction(t.ctx.db, t.ctx.bus, async (uow) => {
      for (let n = 0; n < 40; n++) await uow.enqueue({ topic, payload: { n } });
    });
    await Promise.all([a.drainOutbox({ topics: [topic] }), b.drainOutbox({ topics: [topic] })]);
    await Promise.all([a.drainOutbox({ topics: [topic] }), b.drainOutbox({ topics: [topic] })]);
    expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, n) => n));
  });

  it('retries a failing effect after a backoff, and keeps it as failed once its attempts are used up', async () => {
    const topic = unique();
    let calls = 0;
    const r = runner();
    r.handle({
      topic,
      maxAttempts: 3,
      backoffMs: () => 0,
      handle: async () => {
        calls += 1;
        throw new Error(`SMTP said no (${calls})`);
      },
    });
    await inTransaction(t.ctx.db, t.ctx.bus, (uow) => uow.enqueue({ topic, payload: {} }));
    for (let i = 0; i < 5; i++) await r.drainOutbox({ topics: [topic] });
    expect(calls).toBe(3);
    const failed = (await failedOutbox(t.ctx.db)).filter((row) => row.topic === topic);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ attempts: 3, lastError: 'SMTP said no (3)' });
  });

  it('runs a leased periodic task on one instance at a time', async () => {
    const name = unique();
    let running = 0;
    let overlapped = false;
    let runs = 0;
    const [a, b] = [runner(), runner()];
    for (const r of [a, b]) {
      r.every({
        name,
        everyMs: 60_000,
        run: async () => {
          running += 1;
          overlapped ||= running > 1;
          runs += 1;
          await sleep(50);
          running -= 1;
        },
      });
    }
    const ran = await Promise.all([a.runNow(name), b.runNow(name)]);
    expect(ran.filter(Boolean)).toHaveLength(1);
    expect(runs).toBe(1);
    expect(overlapped).toBe(false);
  });
});
