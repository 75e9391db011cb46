/**
 * Two instances: two product server processes on one PostgreSQL database and one Redis (a private
 * `redis-server` started for the run), a visitor on instance A and its agent on instance B, so every message
 * crosses instances (committed on one, published on Redis, emitted by the other). Cross-instance end-to-end
 * latency (p50/p90/p99/p99.9/max) at the chat scenario's rate and size, through the product's messaging adapter
 * with urls [A, B], beside:
 *  - the relay: ONE relay process with both participants on it (the relay has no bus, so two relay processes
 *    could not share a room: this is the single-process floor, not a two-process relay);
 *  - (full run) PostgreSQL with ONE instance and the same Redis: same configuration, both participants on the
 *    same process, so "2 instances ÷ 1 instance" is the price of the hop between instances.
 * SQLite is not a target: a SQLite database belongs to one process (single instance by design).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { productMessagingSetup } from '../adapters/product.js';
import type { ChatRunParams } from '../clients/chat.js';
import { createProductDatabase, startProduct, type ServerProcess } from '../lib/servers.js';
import { median, round } from '../lib/stats.js';
import { startWorkers } from '../lib/workers.js';
import { freePort } from '../../test/harness/private-services.js';
import { chatRun, relayTarget, type ChatRun, type StartedTarget, type Target } from './chat.js';
import { fmt, plural, rotate, type Scenario } from './types.js';

type Label = 'relay' | 'postgres, 1 instance' | 'postgres, 2 instances';

interface Variant {
  label: Label;
  instances: number;
  target: Target;
}

export type TwoInstancesRun = ChatRun & { label: Label; instances: number };

/** A redis-server of this run's own (no persistence) on a free port, killed with the runner if need be. */
async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failed = new Promise<never>((_, reject) => child.once('error', reject));
  failed.catch(() => undefined);
  const stop = async () => {
    process.removeListener('exit', kill);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = performance.now() + 10_000;
  for (;;) {
    const listening = await Promise.race([
      failed,
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      }),
    ]).catch(async (err: unknown) => {
      await stop();
      throw new Error(`redis-server could not start: ${(err as Error).message}`);
    });
    if (listening) return { url: `redis://127.0.0.1:${port}`, stop };
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`redis-server not listening on ${port} after 10 s`);
    }
    await sleep(50);
  }
}

function redisServerInstalled(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('redis-server', ['--version'], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

/** PostgreSQL + Redis + `instances` product processes; participant 0 on urls[0], participant 1 on urls[1 % n]. */
function productTarget(instances: number): Target {
  return {
    name: 'postgres',
    adapter: 'product',
    async start(options = {}): Promise<StartedTarget> {
      const database = await createProductDatabase('postgres');
      const servers: ServerProcess[] = [];
      let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
      const stop = async () => {
        await Promise.all(servers.map((s) => s.stop()));
        await redis?.stop();
        await database.dispose();
      };
      try {
        redis = await startRedis();
        // One after the other: the first applies the migrations, the second finds them done.
        for (let i = 0; i < instances; i++)
          servers.push(await startProduct(database, { env: { REDIS_URL: redis.url } }));
        const urls = servers.map((s) => s.url);
        const prepared = await productMessagingSetup.prepare?.({
          urls,
          databaseEnv: database.env,
          conversations: options.pairs,
        });
        return {
          urls,
          prepared,
          rss: () => servers.reduce((sum, s) => sum + s.rss(), 0),
          cpuSeconds: () => servers.reduce((sum, s) => sum + s.cpuSeconds(), 0),
          stop,
        };
      } catch (err) {
        await stop();
        throw err;
      }
    },
  };
}

export const twoInstancesScenario: Scenario = {
  name: 'two-instances',
  description: 'Visitor on instance A, agent on instance B (PostgreSQL + Redis): cross-instance end-to-end latency',
  async run(ctx) {
    const notes: string[] = [];
    const missing = !ctx.dialects.includes('postgres')
      ? 'PostgreSQL is not in this run (several instances share one PostgreSQL database; SQLite is single-instance ' +
        'by design, so there is nothing to measure without it)'
      : !(await redisServerInstalled())
        ? 'no `redis-server` binary to start a private Redis for the two instances'
        : undefined;
    if (missing) {
      return {
        config: {},
        runs: [],
        summary: [],
        markdown: ['## Two instances: not run'],
        notes: [`Not run: ${missing}.`],
      };
    }
    const pairs = ctx.quick ? 50 : 500;
    const repeats = ctx.repeats ?? (ctx.quick ? 1 : 2);
    const params: Omit<ChatRunParams, 'seed'> = {
      ratePerParticipant: 0.5,
      arrival: 'poisson',
      bodyBytes: 200,
      warmupMs: ctx.quick ? 500 : 3_000,
      durationMs: ctx.quick ? 2_000 : 15_000,
      drainMs: ctx.quick ? 1_000 : 5_000,
    };
    const variants: Variant[] = [
      { label: 'relay', instances: 1, target: relayTarget },
      ...(ctx.quick ? [] : [{ label: 'postgres, 1 instance' as const, instances: 1, target: productTarget(1) }]),
      { label: 'postgres, 2 instances', instances: 2, target: productTarget(2) },
    ];
    if (ctx.quick) {
      notes.push('Quick run: the one-instance PostgreSQL + Redis reference is left out (full run only).');
    }
    const workers = Math.max(2, cpus().length);
    const pool = await startWorkers(workers);
    const runs: TwoInstancesRun[] = [];
    try {
      for (let repeat = 0; repeat < repeats; repeat++) {
        for (const v of rotate(variants, repeat)) {
          ctx.log(`two-instances: repeat ${repeat + 1}/${repeats}, ${v.label}`);
          const run = await chatRun(pool, v.target, pairs, repeat, { ...params, seed: repeat + 1 });
          runs.push({ ...run, label: v.label, instances: v.instances });
        }
      }
    } finally {
      await pool.close();
    }
    for (const r of runs) {
      const lost = r.counts.unacked + r.counts.undelivered + r.counts.duplicates + r.counts.misdelivered;
      if (r.opened < r.pairs || lost || Object.keys(r.sendErrors).length || Object.keys(r.disconnects).length) {
        notes.push(
          `${r.label}, repeat ${r.repeat + 1}: opened ${r.opened}/${r.pairs}, ${r.counts.unacked} unacked, ` +
            `${r.counts.undelivered} undelivered, ${r.counts.duplicates} duplicates, ${r.counts.misdelivered} ` +
            `misdelivered, errors ${JSON.stringify({ ...r.openFailures, ...r.sendErrors, ...r.disconnects })}.`,
        );
      }
    }

    const relayOf = new Map(runs.filter((r) => r.label === 'relay').map((r) => [r.repeat, r]));
    const oneOf = new Map(runs.filter((r) => r.label === 'postgres, 1 instance').map((r) => [r.repeat, r]));
    const summary = variants.map(({ label, instances }) => {
      const mine = runs.filter((r) => r.label === label);
      const m = (f: (r: ChatRun) => number) => median(mine.map(f));
      const ratio = (base: Map<number, ChatRun>, f: (r: ChatRun) => number) =>
        round(median(mine.map((r) => f(r) / (base.has(r.repeat) ? f(base.get(r.repeat)!) : NaN))), 2);
      return {
        label,
        instances,
        runs: mine.length,
        pairs,
        offered: m((r) => r.offeredPerSecond),
        delivered: m((r) => r.achieved.deliveredPerSecond),
        ackP50: m((r) => r.ackMs.p50),
        ackP99: m((r) => r.ackMs.p99),
        e2eP50: m((r) => r.e2eMs.p50),
        e2eP90: m((r) => r.e2eMs.p90),
        e2eP99: m((r) => r.e2eMs.p99),
        e2eP999: m((r) => r.e2eMs.p999),
        e2eMax: m((r) => r.e2eMs.max),
        relayP50: ratio(relayOf, (r) => r.e2eMs.p50),
        relayP99: ratio(relayOf, (r) => r.e2eMs.p99),
        oneInstanceP50: ratio(oneOf, (r) => r.e2eMs.p50),
        oneInstanceP99: ratio(oneOf, (r) => r.e2eMs.p99),
        lagP99: m((r) => r.generatorLagMs.p99),
        serverRssBytes: m((r) => r.serverRssBytes),
      };
    });
    const markdown = [
      `## Two instances (${fmt.int(pairs)} conversations, ${params.ratePerParticipant} msg/s per participant, ` +
        `${params.bodyBytes} B, Poisson open loop, ${params.durationMs / 1000} s measured after ` +
        `${params.warmupMs / 1000} s warm-up, ${plural(repeats, 'repeat')})`,
      '',
      'PostgreSQL, 2 instances: two product processes on one database and one Redis; every visitor on instance A, ' +
        'every agent on instance B, so every message crosses instances both ways. The relay is ONE process with ' +
        'both participants (it has no bus: two relays could not share a room). ' +
        (ctx.quick ? '' : '"1 instance" is the same PostgreSQL + Redis setup with both participants on one process. ') +
        'SQLite is not measured: it is single-instance by design. End-to-end = intended send → receipt at the ' +
        'other participant (same worker, one clock). Medians of repeats; ratios are medians of per-repeat ratios.',
      '',
      '| target | offered | delivered | ack p50 / p99 | e2e p50 / p90 / p99 / p99.9 / max | × relay p50 / p99 | × 1 instance p50 / p99 | lag p99 |',
      '|---|---|---|---|---|---|---|---|',
      ...summary.map(
        (s) =>
          `| ${s.label} | ${fmt.int(s.offered)}/s | ${fmt.int(s.delivered)}/s | ${fmt.ms(s.ackP50)} / ${fmt.ms(s.ackP99)} | ` +
          `${fmt.ms(s.e2eP50)} / ${fmt.ms(s.e2eP90)} / ${fmt.ms(s.e2eP99)} / ${fmt.ms(s.e2eP999)} / ${fmt.ms(s.e2eMax)} | ` +
          `${s.label === 'relay' ? '1 / 1' : `${fmt.ratio(s.relayP50)} / ${fmt.ratio(s.relayP99)}`} | ` +
          `${s.label === 'postgres, 2 instances' && !ctx.quick ? `${fmt.ratio(s.oneInstanceP50)} / ${fmt.ratio(s.oneInstanceP99)}` : '—'} | ` +
          `${fmt.ms(s.lagP99)} |`,
      ),
    ];
    return {
      config: {
        pairs,
        repeats,
        workers,
        ...params,
        targets: variants.map((v) => v.label),
        redis: 'private redis-server (no persistence) per product target',
        relay: 'one relay process, both participants on it',
      },
      runs,
      summary,
      markdown,
      notes,
    };
  },
};
