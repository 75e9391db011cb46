/**
 * Chats: P concurrent conversations (pairs), both participants sending `rate` msg/s of `bodyBytes` bytes on an
 * open-loop Poisson schedule; ack latency, end-to-end latency, offered vs achieved rate, errors and losses.
 * Runs through a protocol adapter (bench/adapters): today only the bare relay's (the floor). The product joins
 * when `productMessagingAdapter` is implemented and registered; until then no product figure is reported.
 */
import { cpus } from 'node:os';
import { MESSAGING_ADAPTERS } from '../adapters/index.js';
import type { ChatRunParams, ChatRunResult } from '../clients/chat.js';
import { ErrorTally } from '../lib/concurrency.js';
import { summariseEncoded, type LatencySummary } from '../lib/histogram.js';
import { createProductDatabase, startProduct, startRelay, type TargetName } from '../lib/servers.js';
import { median, round } from '../lib/stats.js';
import { split, startWorkers, type WorkerPool } from '../lib/workers.js';
import { productMessagingSetup } from '../adapters/product.js';
import { fmt, plural, rotate, type Scenario, type ScenarioContext } from './types.js';

export interface ChatRun {
  repeat: number;
  target: TargetName;
  pairs: number;
  opened: number;
  openFailures: Record<string, number>;
  offeredPerSecond: number;
  /** Rates over the measured window: sends, acks (of measured messages, drain included), and what arrived in it. */
  achieved: {
    sentPerSecond: number;
    ackedPerSecond: number;
    deliveredPerSecond: number;
    ackedInWindowPerSecond: number;
    deliveredInWindowPerSecond: number;
  };
  counts: Omit<ChatRunResult, 'ack' | 'e2e' | 'lag' | 'cpuShare' | 'measuredMs' | 'sendErrors' | 'disconnects'>;
  sendErrors: Record<string, number>;
  disconnects: Record<string, number>;
  ackMs: LatencySummary;
  e2eMs: LatencySummary;
  generatorLagMs: LatencySummary;
  generatorCpuShare: number[];
  serverRssBytes: number;
}

export interface Target {
  name: TargetName;
  adapter: string;
  start(): Promise<{ urls: string[]; prepared: unknown; rss(): number; stop(): Promise<void> }>;
}

export function targetsFor(ctx: ScenarioContext): { targets: Target[]; notes: string[] } {
  const targets: Target[] = [
    {
      name: 'relay',
      adapter: 'relay',
      async start() {
        const relay = await startRelay();
        return { urls: [relay.url], prepared: undefined, rss: relay.rss, stop: () => relay.stop() };
      },
    },
  ];
  if (!MESSAGING_ADAPTERS.product) {
    return {
      targets,
      notes: [
        'Product not measured yet: `productMessagingAdapter` (bench/adapters/product.ts) is a stub until messaging ' +
          'lands; the relay figures are the floor the product will be compared with.',
      ],
    };
  }
  for (const dialect of ctx.dialects) {
    targets.push({
      name: dialect,
      adapter: 'product',
      async start() {
        const database = await createProductDatabase(dialect);
        const server = await startProduct(database);
        const stop = async () => {
          await server.stop();
          await database.dispose();
        };
        try {
          const prepared = await productMessagingSetup.prepare?.({ urls: [server.url], databaseEnv: database.env });
          return { urls: [server.url], prepared, rss: server.rss, stop };
        } catch (err) {
          await stop();
          throw err;
        }
      },
    });
  }
  return { targets, notes: [] };
}

export const chatScenario: Scenario = {
  name: 'chat',
  description: 'Concurrent conversations, both sides sending 0.5 msg/s of 200 bytes, open loop: latency and rates',
  async run(ctx) {
    const pairSizes = ctx.sizes.chatPairs ?? (ctx.quick ? [200] : [1_000, 2_000]);
    const repeats = ctx.repeats ?? (ctx.quick ? 2 : 3);
    const params: Omit<ChatRunParams, 'seed'> = {
      ratePerParticipant: 0.5,
      arrival: 'poisson',
      bodyBytes: 200,
      warmupMs: ctx.quick ? 1_000 : 5_000,
      durationMs: ctx.quick ? 5_000 : 30_000,
      drainMs: ctx.quick ? 3_000 : 10_000,
    };
    const workers = Math.max(2, cpus().length);
    const { targets, notes } = targetsFor(ctx);
    const config = { pairSizes, repeats, workers, ...params, openConcurrencyPerWorker: 16 };
    const pool = await startWorkers(workers);
    const runs: ChatRun[] = [];
    try {
      for (const pairs of pairSizes) {
        for (let repeat = 0; repeat < repeats; repeat++) {
          for (const target of rotate(targets, repeat)) {
            ctx.log(`chat: ${pairs} pairs, repeat ${repeat + 1}/${repeats}, ${target.name}`);
            runs.push(await chatRun(pool, target, pairs, repeat, { ...params, seed: repeat + 1 }));
          }
        }
      }
    } finally {
      await pool.close();
    }
    for (const r of runs) {
      const lost = r.counts.unacked + r.counts.undelivered + r.counts.duplicates + r.counts.misdelivered;
      if (r.opened < r.pairs || lost || Object.keys(r.sendErrors).length || Object.keys(r.disconnects).length) {
        notes.push(
          `${r.target}, ${r.pairs} pairs, repeat ${r.repeat + 1}: opened ${r.opened}/${r.pairs}, ` +
            `${r.counts.unacked} unacked, ${r.counts.undelivered} undelivered, ${r.counts.duplicates} duplicates, ` +
            `${r.counts.misdelivered} misdelivered, errors ${JSON.stringify({ ...r.openFailures, ...r.sendErrors, ...r.disconnects })}.`,
        );
      }
    }
    const summary = pairSizes.flatMap((pairs) => summarise(runs.filter((r) => r.pairs === pairs)));
    const markdown = [
      `## Chats (${params.ratePerParticipant} msg/s per participant, ${params.bodyBytes} B, Poisson open loop, ` +
        `${params.durationMs / 1000} s measured after ${params.warmupMs / 1000} s warm-up, ${plural(repeats, 'repeat')})`,
      '',
      'Latencies from the intended send time (no coordinated omission); "lag" is how late the generator sent ' +
        '(p99). Medians of repeats; × relay is the median of per-repeat ratios.',
      '',
      '| target | pairs | offered | acked | delivered | ack p50 / p99 | e2e p50 / p99 / p99.9 | e2e × relay p50 / p99 | lag p99 |',
      '|---|---|---|---|---|---|---|---|---|',
      ...summary.map(
        (s) =>
          `| ${s.target} | ${fmt.int(s.pairs)} | ${fmt.int(s.offered)}/s | ${fmt.int(s.acked)}/s | ${fmt.int(s.delivered)}/s | ` +
          `${fmt.ms(s.ackP50)} / ${fmt.ms(s.ackP99)} | ${fmt.ms(s.e2eP50)} / ${fmt.ms(s.e2eP99)} / ${fmt.ms(s.e2eP999)} | ` +
          `${s.target === 'relay' ? '1 / 1' : `${fmt.ratio(s.p50Ratio)} / ${fmt.ratio(s.p99Ratio)}`} | ${fmt.ms(s.lagP99)} |`,
      ),
    ];
    return { config, runs, summary, markdown, notes };
  },
};

export async function chatRun(
  pool: WorkerPool,
  target: Target,
  pairs: number,
  repeat: number,
  params: ChatRunParams,
): Promise<ChatRun> {
  const server = await target.start();
  try {
    const shares = split(pairs, pool.size);
    const firstIndex = shares.map((_, i) => shares.slice(0, i).reduce((a, b) => a + b, 0));
    const opened = await pool.all(
      'chat.open',
      (i) => ({
        adapter: target.adapter,
        urls: server.urls,
        pairs: shares[i]!,
        firstIndex: firstIndex[i]!,
        concurrency: 16,
        prepared: server.prepared,
        timeoutMs: 30_000,
      }),
      300_000,
    );
    const timeout = params.warmupMs + params.durationMs + params.drainMs + 60_000;
    const results = await pool.all('chat.run', () => params, timeout);
    const serverRssBytes = server.rss();
    await pool.all('chat.close', () => undefined, 60_000);
    const sum = (f: (r: ChatRunResult) => number) => results.reduce((s, r) => s + f(r), 0);
    const seconds = params.durationMs / 1000;
    const openedPairs = opened.reduce((s, r) => s + r.ok, 0);
    return {
      repeat,
      target: target.name,
      pairs,
      opened: openedPairs,
      openFailures: ErrorTally.merge(opened.map((r) => r.errors)),
      offeredPerSecond: round(params.ratePerParticipant * 2 * openedPairs, 1),
      achieved: {
        sentPerSecond: round(sum((r) => r.sent) / seconds),
        ackedPerSecond: round(sum((r) => r.acked) / seconds),
        deliveredPerSecond: round(sum((r) => r.received) / seconds),
        ackedInWindowPerSecond: round(sum((r) => r.ackedInWindow) / seconds),
        deliveredInWindowPerSecond: round(sum((r) => r.receivedInWindow) / seconds),
      },
      counts: {
        pairs: sum((r) => r.pairs),
        offered: sum((r) => r.offered),
        sent: sum((r) => r.sent),
        acked: sum((r) => r.acked),
        received: sum((r) => r.received),
        ackedInWindow: sum((r) => r.ackedInWindow),
        receivedInWindow: sum((r) => r.receivedInWindow),
        unacked: sum((r) => r.unacked),
        undelivered: sum((r) => r.undelivered),
        duplicates: sum((r) => r.duplicates),
        misdelivered: sum((r) => r.misdelivered),
        unexpected: sum((r) => r.unexpected),
      },
      sendErrors: ErrorTally.merge(results.map((r) => r.sendErrors)),
      disconnects: ErrorTally.merge(results.map((r) => r.disconnects)),
      ackMs: summariseEncoded(results.map((r) => r.ack)),
      e2eMs: summariseEncoded(results.map((r) => r.e2e)),
      generatorLagMs: summariseEncoded(results.map((r) => r.lag)),
      generatorCpuShare: results.map((r) => round(r.cpuShare, 2)),
      serverRssBytes,
    };
  } finally {
    await pool.all('chat.close', () => undefined, 60_000).catch(() => undefined);
    await server.stop();
  }
}

function summarise(runs: ChatRun[]) {
  const targets = [...new Set(runs.map((r) => r.target))];
  const relay = new Map(runs.filter((r) => r.target === 'relay').map((r) => [r.repeat, r]));
  return targets.map((target) => {
    const mine = runs.filter((r) => r.target === target);
    const m = (f: (r: ChatRun) => number) => median(mine.map(f));
    const ratio = (f: (r: ChatRun) => number) =>
      round(median(mine.map((r) => f(r) / (relay.has(r.repeat) ? f(relay.get(r.repeat)!) : NaN))), 2);
    return {
      target,
      pairs: mine[0]?.pairs ?? NaN,
      runs: mine.length,
      offered: m((r) => r.offeredPerSecond),
      acked: m((r) => r.achieved.ackedPerSecond),
      delivered: m((r) => r.achieved.deliveredPerSecond),
      ackP50: m((r) => r.ackMs.p50),
      ackP99: m((r) => r.ackMs.p99),
      e2eP50: m((r) => r.e2eMs.p50),
      e2eP99: m((r) => r.e2eMs.p99),
      e2eP999: m((r) => r.e2eMs.p999),
      p50Ratio: ratio((r) => r.e2eMs.p50),
      p99Ratio: ratio((r) => r.e2eMs.p99),
      lagP99: m((r) => r.generatorLagMs.p99),
    };
  });
}
