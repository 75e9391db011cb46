/**
 * Idle: N authenticated idle sockets on one instance, and the same N on the bare relay, in the same run.
 * Memory per socket = (server RSS with N sockets open, settled − RSS of the same fresh process before) / N.
 *
 * Product, per repeat and database: a first server process creates the N visitor bearer sessions over HTTP
 * (bounded concurrency, spread over the workers), then stops; a fresh process on the same database is measured,
 * so the baseline is not inflated by the garbage of N HTTP requests. Workers then connect every socket to
 * `/visitor` with `auth: { token }` (socket.io-client, WebSocket only), with a bounded number of handshakes in
 * flight per worker. The relay: idle `ws` sockets, each joined to a room of its own (its "authentication").
 */
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileLimitsOf } from '../lib/machine.js';
import {
  createProductDatabase,
  sampleRss,
  startProduct,
  startRelay,
  type ServerProcess,
  type TargetName,
  type Dialect,
} from '../lib/servers.js';
import { median, range, round } from '../lib/stats.js';
import { split, startWorkers, type WorkerPool } from '../lib/workers.js';
import { mergePhase, type PhaseFigures, type PhaseResult } from '../lib/phase.js';
import { fmt, plural, rotate, type Scenario, type ScenarioContext } from './types.js';

/** Files a process needs besides its sockets (modules, database, pipes, logs): kept free under the limit. */
const FILE_MARGIN = 500;
const TARGET_RATIO = 2.5;
/** Sockets opened and closed before the baseline (not counted), so one-time costs are not charged per socket. */
const WARMUP_SOCKETS = 100;

export interface IdleRun {
  repeat: number;
  target: TargetName;
  requested: number;
  sessions?: PhaseFigures;
  warmup: PhaseFigures;
  connect: PhaseFigures;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  rssSamplesAfter: number[];
  perSocketKiB: number;
  stillOpen: number;
  dropped: number;
  serverFileLimit: { soft: number; hard: number };
  workerRssBytes: number[];
}

/** Runs one phase in every worker at once; the rate is over the wall time of the slowest worker. */
async function phase(run: () => Promise<PhaseResult[]>): Promise<PhaseFigures> {
  const t0 = performance.now();
  const results = await run();
  return mergePhase(results, performance.now() - t0);
}

export const idleScenario: Scenario = {
  name: 'idle',
  description: 'N authenticated idle sockets (product /visitor) vs the bare relay: RSS per socket, connect rate',
  async run(ctx: ScenarioContext) {
    const notes: string[] = [];
    const wanted = ctx.sizes.idleSockets ?? (ctx.quick ? 2_000 : 15_000);
    const repeats = ctx.repeats ?? (ctx.quick ? 1 : 3);
    const holdMs = ctx.quick ? 2_000 : 5_000;
    const settleMs = 1_000;

    // One process may open at most `soft` files: the server needs one per socket, so scale N to fit.
    const own = fileLimitsOf();
    let sockets = wanted;
    if (wanted + FILE_MARGIN > own.hard) {
      sockets = own.hard - FILE_MARGIN;
      notes.push(
        `Scaled from ${wanted} to ${sockets} sockets: a process may open at most ${own.hard} files here ` +
          `(hard limit of \`ulimit -n\`; the server needs one per socket plus ~${FILE_MARGIN}).`,
      );
    }
    const workers = Math.max(2, cpus().length, Math.ceil(sockets / 5_000));
    const perWorker = split(sockets, workers);
    const connectConcurrency = 32;
    const sessionConcurrency = 8;
    const config = {
      sockets,
      requestedSockets: wanted,
      repeats,
      workers,
      connectConcurrencyPerWorker: connectConcurrency,
      sessionConcurrencyPerWorker: sessionConcurrency,
      warmupSockets: WARMUP_SOCKETS,
      settleMs,
      holdMs,
      memoryPerSocket: '(median RSS over the last half of the hold − median RSS over the settle before) / sockets',
      targetRatio: TARGET_RATIO,
    };

    const pool = await startWorkers(workers);
    const runs: IdleRun[] = [];
    const targets: ('relay' | Dialect)[] = ['relay', ...ctx.dialects];
    try {
      for (let repeat = 0; repeat < repeats; repeat++) {
        for (const target of rotate(targets, repeat)) {
          ctx.log(`idle: repeat ${repeat + 1}/${repeats}, ${target}, ${sockets} sockets`);
          runs.push(
            await idleRun(ctx, pool, target, repeat, sockets, perWorker, {
              settleMs,
              holdMs,
              connectConcurrency,
              sessionConcurrency,
            }),
          );
        }
      }
    } finally {
      await pool.close();
    }

    const summary = summarise(runs, targets);
    for (const r of runs) {
      if (r.connect.failed || r.stillOpen < r.connect.ok || r.sessions?.failed) {
        notes.push(
          `${r.target} repeat ${r.repeat + 1}: ${r.sessions?.failed ?? 0} session failures, ${r.connect.failed} connect ` +
            `failures, ${r.connect.ok - r.stillOpen} sockets closed during the hold ` +
            `(${JSON.stringify({ ...r.sessions?.errors, ...r.connect.errors })}).`,
        );
      }
    }
    const markdown = [
      `## Idle sockets (${fmt.int(sockets)} per target, ${plural(repeats, 'repeat')})`,
      '',
      `Memory per socket = server RSS delta / sockets; target ≤ ${TARGET_RATIO}× the relay's. Medians of repeats; ` +
        '× relay is the median of per-repeat ratios (min–max).',
      '',
      '| target | open sockets | per socket | × relay | RSS before → after | connect rate | handshake p50 / p99 | session creation |',
      '|---|---|---|---|---|---|---|---|',
      ...summary.map(
        (s) =>
          `| ${s.target} | ${fmt.int(s.open)} | ${fmt.num(s.perSocketKiB)} KiB | ${s.target === 'relay' ? '1' : `${fmt.ratio(s.ratio)} (${fmt.num(s.ratioRange.min, 2)}–${fmt.num(s.ratioRange.max, 2)})`} | ` +
          `${fmt.mib(s.rssBefore)} → ${fmt.mib(s.rssAfter)} | ${fmt.int(s.connectPerSecond)}/s | ` +
          `${fmt.ms(s.handshakeP50)} / ${fmt.ms(s.handshakeP99)} | ${s.sessionsPerSecond === undefined ? '—' : `${fmt.int(s.sessionsPerSecond)}/s`} |`,
      ),
    ];
    return { config, runs, summary, markdown, notes };
  },
};

async function idleRun(
  ctx: ScenarioContext,
  pool: WorkerPool,
  target: 'relay' | Dialect,
  repeat: number,
  sockets: number,
  perWorker: number[],
  o: { settleMs: number; holdMs: number; connectConcurrency: number; sessionConcurrency: number },
): Promise<IdleRun> {
  const database = target === 'relay' ? undefined : await createProductDatabase(target);
  let server: ServerProcess | undefined;
  try {
    let sessions: PhaseFigures | undefined;
    if (database) {
      const creator = await startProduct(database);
      try {
        sessions = await phase(() =>
          pool.all(
            'idle.sessions',
            (i) => ({ url: creator.url, count: perWorker[i]!, concurrency: o.sessionConcurrency }),
            600_000,
          ),
        );
      } finally {
        await creator.stop();
      }
      ctx.log(`idle: ${target}: ${sessions.ok} sessions in ${Math.round(sessions.ms)} ms`);
      server = await startProduct(database);
    } else {
      server = await startRelay();
    }
    const live = server;
    if (live.fileLimit.soft < sockets + FILE_MARGIN) {
      ctx.log(`idle: warning: ${target} may open only ${live.fileLimit.soft} files for ${sockets} sockets`);
    }
    const warmup = await phase(() =>
      pool.all(
        'idle.warmup',
        () => ({
          target: target === 'relay' ? ('relay' as const) : ('product' as const),
          url: live.url,
          count: Math.ceil(WARMUP_SOCKETS / pool.size),
          timeoutMs: 30_000,
        }),
        120_000,
      ),
    );
    const before = median(await sampleRss(live, o.settleMs));
    const connect = await phase(() =>
      pool.all(
        'idle.connect',
        (i) => ({
          target: target === 'relay' ? ('relay' as const) : ('product' as const),
          url: live.url,
          count: perWorker[i]!,
          concurrency: o.connectConcurrency,
          timeoutMs: 30_000,
        }),
        600_000,
      ),
    );
    ctx.log(`idle: ${target}: ${connect.ok} sockets in ${Math.round(connect.ms)} ms`);
    const samples = await sampleRss(live, o.holdMs);
    const after = median(samples.slice(Math.floor(samples.length / 2)));
    const status = await pool.all('idle.status', () => undefined, 30_000);
    const stillOpen = status.reduce((s, r) => s + r.open, 0);
    const workerRssBytes = pool.rss();
    await pool.all('idle.close', () => undefined, 60_000);
    return {
      repeat,
      target,
      requested: sockets,
      ...(sessions ? { sessions } : {}),
      warmup,
      connect,
      rssBeforeBytes: before,
      rssAfterBytes: after,
      rssSamplesAfter: samples,
      perSocketKiB: round((after - before) / 1024 / Math.max(1, connect.ok), 2),
      stillOpen,
      dropped: status.reduce((s, r) => s + r.dropped, 0),
      serverFileLimit: live.fileLimit,
      workerRssBytes,
    };
  } finally {
    await pool.all('idle.close', () => undefined, 60_000).catch(() => undefined);
    await server?.stop();
    await sleep(200);
    await database?.dispose();
  }
}

function summarise(runs: IdleRun[], targets: TargetName[]) {
  const relayByRepeat = new Map(runs.filter((r) => r.target === 'relay').map((r) => [r.repeat, r.perSocketKiB]));
  return targets.map((target) => {
    const mine = runs.filter((r) => r.target === target);
    const ratios = mine.map((r) => r.perSocketKiB / (relayByRepeat.get(r.repeat) ?? NaN));
    const sessions = mine.flatMap((r) => (r.sessions ? [r.sessions.perSecond] : []));
    return {
      target,
      runs: mine.length,
      open: median(mine.map((r) => r.stillOpen)),
      perSocketKiB: round(median(mine.map((r) => r.perSocketKiB)), 2),
      ratio: round(median(ratios), 2),
      ratioRange: range(ratios.map((r) => round(r, 2))),
      rssBefore: median(mine.map((r) => r.rssBeforeBytes)),
      rssAfter: median(mine.map((r) => r.rssAfterBytes)),
      connectPerSecond: round(median(mine.map((r) => r.connect.perSecond))),
      handshakeP50: median(mine.map((r) => r.connect.latency.p50)),
      handshakeP99: median(mine.map((r) => r.connect.latency.p99)),
      sessionsPerSecond: sessions.length ? round(median(sessions)) : undefined,
    };
  });
}
