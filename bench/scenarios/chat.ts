/**
 * Chats: P concurrent conversations (pairs), both participants sending `rate` msg/s of `bodyBytes` bytes on an
 * open-loop Poisson schedule; ack latency, end-to-end latency, offered vs achieved rate, errors and losses.
 * Runs through a protocol adapter (bench/adapters) against the bare relay (the floor) and the product on each
 * dialect, in the same run, reported as ratios to the relay. Beyond the reported sizes, the full run steps the
 * conversation count up to find the knee: the first step where a target's end-to-end p99 passes 100 ms.
 */
import { cpus } from 'node:os';
import type { ChatRunParams, ChatRunResult } from '../clients/chat.js';
import { ErrorTally } from '../lib/concurrency.js';
import { summariseEncoded, type LatencySummary } from '../lib/histogram.js';
import {
  createProductDatabase,
  startProduct,
  startRelay,
  startSocketioSqlite,
  type ServerProcess,
  type TargetName,
} from '../lib/servers.js';
import { median, round } from '../lib/stats.js';
import { split, startWorkers, type WorkerPool } from '../lib/workers.js';
import { CONVERSATIONS_PER_AGENT, productMessagingSetup } from '../adapters/product.js';
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
  /** Starting the server (and, for the product, preparing its agents), then opening every pair. */
  setupMs: { start: number; open: number };
}

/** What a started target gives a scenario. */
export interface StartedTarget {
  urls: string[];
  prepared: unknown;
  rss(): number;
  /** CPU seconds the server process(es) used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
  /**
   * Product targets only (kill -9): SIGKILL the server now, then `recover` starts it again on the same database
   * and counts, with the adapter's `countStored`, how often each acknowledged message is stored.
   */
  crash?: {
    kill(): Promise<void>;
    recover(ackedIds: readonly string[]): Promise<CrashVerdict>;
  };
}

export interface CrashVerdict {
  acked: number;
  /** Acknowledged but not in the database after the restart. */
  missing: number;
  /** Stored more than once (the row and a copy with the same conversation, author and client id). */
  duplicated: number;
  /** Starting the server again on the killed server's database until /readyz answers 200. */
  restartMs: number;
}

export interface Target {
  name: TargetName;
  adapter: string;
  /** `pairs`: how many conversations will be opened (the product prepares one agent per 50). */
  start(options?: { pairs?: number }): Promise<StartedTarget>;
}

/** The bare `ws` relay: the floor every scenario compares with. */
export const relayTarget: Target = {
  name: 'relay',
  adapter: 'relay',
  async start() {
    const relay = await startRelay();
    return {
      urls: [relay.url],
      prepared: undefined,
      rss: relay.rss,
      cpuSeconds: relay.cpuSeconds,
      stop: () => relay.stop(),
    };
  },
};

/** The second baseline: the Socket.IO + SQLite chat a developer would write (throughput: never below it). */
export const socketioSqliteTarget: Target = {
  name: 'socketio-sqlite',
  adapter: 'socketio-sqlite',
  async start() {
    const server = await startSocketioSqlite();
    return {
      urls: [server.url],
      prepared: undefined,
      rss: server.rss,
      cpuSeconds: server.cpuSeconds,
      stop: () => server.stop(),
    };
  },
};

export function targetsFor(ctx: ScenarioContext): { targets: Target[]; notes: string[] } {
  const targets: Target[] = [relayTarget];
  for (const dialect of ctx.dialects) {
    targets.push({
      name: dialect,
      adapter: 'product',
      async start(options = {}) {
        const database = await createProductDatabase(dialect);
        let server: ServerProcess | undefined;
        const stop = async () => {
          await server?.stop();
          await database.dispose();
        };
        try {
          server = await startProduct(database);
          const urls = [server.url];
          const prepared = await productMessagingSetup.prepare?.({
            urls,
            databaseEnv: database.env,
            conversations: options.pairs,
          });
          return {
            urls,
            prepared,
            rss: () => server?.rss() ?? NaN,
            cpuSeconds: () => server?.cpuSeconds() ?? NaN,
            stop,
            crash: {
              kill: () => server!.kill(),
              async recover(ackedIds) {
                const t0 = performance.now();
                server = undefined;
                server = await startProduct(database);
                const restartMs = round(performance.now() - t0, 1);
                const counts = await productMessagingSetup.countStored!({ databaseEnv: database.env }, ackedIds);
                let missing = 0;
                let duplicated = 0;
                for (const id of ackedIds) {
                  const n = counts.get(id) ?? 0;
                  if (n === 0) missing++;
                  else if (n > 1) duplicated++;
                }
                return { acked: ackedIds.length, missing, duplicated, restartMs };
              },
            },
          };
        } catch (err) {
          await stop();
          throw err;
        }
      },
    });
  }
  return { targets, notes: [] };
}

/** The knee: the end-to-end p99 (median of repeats) past which a target counts as saturated. */
export const KNEE_P99_MS = 100;

export const chatScenario: Scenario = {
  name: 'chat',
  description:
    'Concurrent conversations, both sides sending 0.5 msg/s of 200 bytes, open loop: latency, rates and the knee',
  async run(ctx) {
    // Reported sizes: every repeat. Knee steps (first repeat only, shorter): below, between and above them.
    const pairSizes = ctx.sizes.chatPairs ?? (ctx.quick ? [60] : [1_000, 2_000]);
    const kneeSizes = ctx.sizes.chatPairs || ctx.quick ? [] : [500, 3_000, 4_000];
    const repeats = ctx.repeats ?? (ctx.quick ? 1 : 2);
    const params: Omit<ChatRunParams, 'seed'> = {
      ratePerParticipant: 0.5,
      arrival: 'poisson',
      bodyBytes: 200,
      warmupMs: ctx.quick ? 500 : 5_000,
      durationMs: ctx.quick ? 2_000 : 15_000,
      drainMs: ctx.quick ? 1_500 : 5_000,
    };
    const kneeParams = { ...params, warmupMs: 3_000, durationMs: 10_000 };
    const workers = Math.max(2, cpus().length);
    const { targets, notes } = targetsFor(ctx);
    const config = {
      pairSizes,
      kneeSizes,
      kneeP99Ms: KNEE_P99_MS,
      repeats,
      kneeRepeats: 1,
      workers,
      ...params,
      kneeStep: { warmupMs: kneeParams.warmupMs, durationMs: kneeParams.durationMs },
      openConcurrencyPerWorker: 16,
      conversationsPerAgent: CONVERSATIONS_PER_AGENT,
      ramp: 'one server per target and repeat; each step opens the extra conversations and measures all of them',
    };
    const pool = await startWorkers(workers);
    const runs: ChatRun[] = [];
    try {
      for (let repeat = 0; repeat < repeats; repeat++) {
        const sizes = repeat === 0 ? [...new Set([...pairSizes, ...kneeSizes])].sort((a, b) => a - b) : pairSizes;
        // The relay goes last in the knee repeat, so it ramps only as far as a product target did.
        const order = repeat === 0 ? [...targets.filter((t) => t.adapter !== 'relay'), targets[0]!] : targets;
        let furthest = 0;
        for (const target of repeat === 0 ? order : rotate(order, repeat)) {
          const steps = sizes
            .filter((p) => target.adapter !== 'relay' || repeat > 0 || p <= Math.max(furthest, ...pairSizes))
            .map((pairs) => ({
              pairs,
              params: { ...(pairSizes.includes(pairs) ? params : kneeParams), seed: repeat + 1 },
            }));
          const mine = await chatRamp(pool, target, repeat, steps, (run) => {
            ctx.log(
              `chat: ${target.name}, ${run.pairs} pairs, repeat ${repeat + 1}/${repeats}: e2e p99 ${fmt.ms(run.e2eMs.p99)}`,
            );
            // Past the knee and past the reported sizes: nothing more to learn from this ramp.
            return run.e2eMs.p99 <= KNEE_P99_MS || run.pairs < Math.max(...pairSizes);
          });
          if (target.adapter !== 'relay') furthest = Math.max(furthest, ...mine.map((r) => r.pairs));
          runs.push(...mine);
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
    const steps = [...new Set(runs.map((r) => r.pairs))].sort((a, b) => a - b);
    const byTarget = (a: { target: string }, b: { target: string }) =>
      targets.findIndex((t) => t.name === a.target) - targets.findIndex((t) => t.name === b.target);
    const summary = steps.flatMap((pairs) => summarise(runs.filter((r) => r.pairs === pairs)).sort(byTarget));
    const knees = targets.map((t) => {
      const knee = kneeOf(runs, t.name, steps);
      const measured = steps.filter((p) => runs.some((r) => r.target === t.name && r.pairs === p));
      // Steps past the knee whose median p99 is under it again (noise, or a ramp that recovered).
      const backUnder = knee
        ? measured.filter(
            (p) =>
              p > knee.at &&
              median(runs.filter((r) => r.target === t.name && r.pairs === p).map((r) => r.e2eMs.p99)) <= KNEE_P99_MS,
          )
        : [];
      return {
        target: t.name,
        ...knee,
        highestUnder: knee ? (knee.below ?? 0) : (measured.at(-1) ?? NaN),
        largestMeasured: measured.at(-1) ?? NaN,
        reached: !!knee,
        backUnder,
      };
    });
    const kneeText = knees.map((k) =>
      k.reached
        ? `${k.target}: p99 passes ${KNEE_P99_MS} ms between ${fmt.int(k.highestUnder)} and ` +
          `${fmt.int(k.at!)} conversations (${fmt.ms(k.p99!)} at ${fmt.int(k.at!)}` +
          `${k.backUnder.length ? `; under it again at ${k.backUnder.map(fmt.int).join(', ')}` : ''})`
        : `${k.target}: not reached up to ${fmt.int(k.largestMeasured)} conversations (the largest step measured)`,
    );
    const allSteps = [...new Set([...pairSizes, ...kneeSizes])].sort((a, b) => a - b);
    const markdown = [
      `## Chats (${params.ratePerParticipant} msg/s per participant, ${params.bodyBytes} B, Poisson open loop, ` +
        `${params.durationMs / 1000} s measured after ${params.warmupMs / 1000} s warm-up, ${plural(repeats, 'repeat')}` +
        `${
          kneeSizes.length
            ? `; knee-only steps ${kneeSizes
                .filter((p) => !pairSizes.includes(p))
                .map(fmt.int)
                .join(', ')}: first repeat, ${kneeParams.durationMs / 1000} s`
            : ''
        })`,
      '',
      'End-to-end = intended send time → receipt by the other participant (no coordinated omission); product ' +
        `targets: a visitor and an agent (one agent per ${CONVERSATIONS_PER_AGENT} conversations), every message ` +
        'encrypted and committed before its ack. Each target ramps up the conversation count on one server per ' +
        'repeat. Medians of repeats; × relay is the median of per-repeat ratios. "lag" is how late the generator ' +
        'sent (p99).',
      '',
      '| target | pairs | runs | offered | acked | delivered | e2e p50 / p90 / p99 / p99.9 / max | e2e × relay p50 / p99 | ack p99 | lag p99 |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...summary.map(
        (s) =>
          `| ${s.target} | ${fmt.int(s.pairs)} | ${s.runs} | ${fmt.int(s.offered)}/s | ${fmt.int(s.acked)}/s | ${fmt.int(s.delivered)}/s | ` +
          `${fmt.ms(s.e2eP50)} / ${fmt.ms(s.e2eP90)} / ${fmt.ms(s.e2eP99)} / ${fmt.ms(s.e2eP999)} / ${fmt.ms(s.e2eMax)} | ` +
          `${s.target === 'relay' ? '1 / 1' : `${fmt.ratio(s.p50Ratio)} / ${fmt.ratio(s.p99Ratio)}`} | ${fmt.ms(s.ackP99)} | ${fmt.ms(s.lagP99)} |`,
      ),
      '',
      `Knee (end-to-end p99 > ${KNEE_P99_MS} ms; steps ${allSteps.map(fmt.int).join(', ')}` +
        `${kneeSizes.length ? ', a ramp stops at the first step past the knee' : ', no knee steps in this run'}): ` +
        `${kneeText.join('; ')}.`,
    ];
    return { config, runs, summary: { rows: summary, knees }, markdown, notes };
  },
};

/** The first measured step where `target`'s median e2e p99 passes the knee, and the step before it. */
function kneeOf(
  runs: readonly ChatRun[],
  target: string,
  steps: readonly number[],
): { at: number; p99: number; below: number | undefined } | undefined {
  let below: number | undefined;
  for (const pairs of steps) {
    const mine = runs.filter((r) => r.target === target && r.pairs === pairs);
    if (mine.length === 0) continue;
    const p99 = median(mine.map((r) => r.e2eMs.p99));
    if (!(p99 <= KNEE_P99_MS)) return { at: pairs, p99, below };
    below = pairs;
  }
  return undefined;
}

/** One target on a fresh server: open `pairs` conversations, measure them, close everything. */
export async function chatRun(
  pool: WorkerPool,
  target: Target,
  pairs: number,
  repeat: number,
  params: ChatRunParams,
): Promise<ChatRun> {
  const [run] = await chatRamp(pool, target, repeat, [{ pairs, params }]);
  return run!;
}

/**
 * One target on one fresh server, ramping up: each step opens the conversations it adds to those already open and
 * measures them all. Stops after a step when `goOn(run)` says so.
 */
export async function chatRamp(
  pool: WorkerPool,
  target: Target,
  repeat: number,
  steps: readonly { pairs: number; params: ChatRunParams }[],
  goOn: (run: ChatRun) => boolean = () => true,
): Promise<ChatRun[]> {
  const t0 = performance.now();
  const server = await target.start({ pairs: Math.max(...steps.map((s) => s.pairs)) });
  const startMs = round(performance.now() - t0);
  const runs: ChatRun[] = [];
  try {
    let open = 0;
    const openFailures: Record<string, number>[] = [];
    for (const { pairs, params } of steps) {
      const t1 = performance.now();
      const shares = split(pairs - open, pool.size);
      const firstIndex = shares.map((_, i) => open + shares.slice(0, i).reduce((a, b) => a + b, 0));
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
          append: open > 0,
        }),
        600_000,
      );
      open = pairs;
      openFailures.push(...opened.map((r) => r.errors));
      const openMs = round(performance.now() - t1);
      const timeout = params.warmupMs + params.durationMs + params.drainMs + 60_000;
      const results = await pool.all('chat.run', () => params, timeout);
      const run = chatRunOf(target, repeat, pairs, params, results, ErrorTally.merge(openFailures));
      runs.push({ ...run, serverRssBytes: server.rss(), setupMs: { start: runs.length ? 0 : startMs, open: openMs } });
      if (!goOn(runs.at(-1)!)) break;
    }
    await pool.all('chat.close', () => undefined, 60_000);
    return runs;
  } finally {
    await pool.all('chat.close', () => undefined, 60_000).catch(() => undefined);
    await server.stop();
  }
}

function chatRunOf(
  target: Target,
  repeat: number,
  pairs: number,
  params: ChatRunParams,
  results: ChatRunResult[],
  openFailures: Record<string, number>,
): Omit<ChatRun, 'serverRssBytes' | 'setupMs'> {
  const sum = (f: (r: ChatRunResult) => number) => results.reduce((s, r) => s + f(r), 0);
  const seconds = params.durationMs / 1000;
  const openedPairs = sum((r) => r.pairs);
  return {
    repeat,
    target: target.name,
    pairs,
    opened: openedPairs,
    openFailures,
    offeredPerSecond: round(params.ratePerParticipant * 2 * openedPairs, 1),
    achieved: {
      sentPerSecond: round(sum((r) => r.sent) / seconds),
      ackedPerSecond: round(sum((r) => r.acked) / seconds),
      deliveredPerSecond: round(sum((r) => r.received) / seconds),
      ackedInWindowPerSecond: round(sum((r) => r.ackedInWindow) / seconds),
      deliveredInWindowPerSecond: round(sum((r) => r.receivedInWindow) / seconds),
    },
    counts: {
      pairs: openedPairs,
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
  };
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
      e2eP90: m((r) => r.e2eMs.p90),
      e2eP99: m((r) => r.e2eMs.p99),
      e2eP999: m((r) => r.e2eMs.p999),
      e2eMax: m((r) => r.e2eMs.max),
      p50Ratio: ratio((r) => r.e2eMs.p50),
      p99Ratio: ratio((r) => r.e2eMs.p99),
      lagP99: m((r) => r.generatorLagMs.p99),
    };
  });
}
