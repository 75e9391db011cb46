/**
 * Throughput, closed loop: a fixed set of conversations whose participants each keep one message outstanding,
 * sending the next as soon as the previous one is acknowledged. The figure is acknowledged messages per second in
 * the measured window (for the product, acknowledged = committed to the database), to be ≥ 0.5× the relay's.
 *
 * kill -9 (product targets): sending goes on after the window, the server is SIGKILLed in the middle of that
 * tail, started again on the same database, and the adapter's `countStored` counts how often each acknowledged
 * message (of the whole run) is stored: every one exactly once, none missing, none duplicated.
 */
import { cpus } from 'node:os';
import type { ClosedRunParams, ClosedRunResult } from '../clients/chat.js';
import { ErrorTally } from '../lib/concurrency.js';
import { summariseEncoded, type LatencySummary } from '../lib/histogram.js';
import type { TargetName } from '../lib/servers.js';
import { median, round } from '../lib/stats.js';
import { split, startWorkers, type WorkerPool } from '../lib/workers.js';
import { socketioSqliteTarget, targetsFor, type CrashVerdict, type Target } from './chat.js';
import { fmt, plural, rotate, type Scenario } from './types.js';

export interface ThroughputRun {
  repeat: number;
  target: TargetName;
  pairs: number;
  opened: number;
  openFailures: Record<string, number>;
  /** Acknowledged and delivered messages per second inside the measured window. */
  ackedPerSecond: number;
  deliveredPerSecond: number;
  counts: Omit<ClosedRunResult, 'ack' | 'e2e' | 'cpuShare' | 'measuredMs' | 'sendErrors' | 'disconnects' | 'ackedIds'>;
  sendErrors: Record<string, number>;
  disconnects: Record<string, number>;
  ackMs: LatencySummary;
  e2eMs: LatencySummary;
  generatorCpuShare: number[];
  serverRssBytes: number;
  /** Server CPU time (every thread) inside the measured window per acknowledged message, in microseconds. */
  serverCpuUsPerAck: number;
  /** Starting the server (and, for the product, preparing its agents), then opening every pair. */
  setupMs: { start: number; open: number };
  /** kill -9 (product targets): when (ms after sending started), and what the database held after the restart. */
  kill?: { atMs: number } & CrashVerdict;
}

export const throughputScenario: Scenario = {
  name: 'throughput',
  description: 'Closed-loop senders: acknowledged messages per second, then kill -9 and a stored-exactly-once check',
  async run(ctx) {
    const pairs = ctx.quick ? 10 : 100;
    const repeats = ctx.repeats ?? (ctx.quick ? 1 : 2);
    const params: ClosedRunParams = {
      bodyBytes: 200,
      warmupMs: ctx.quick ? 300 : 2_000,
      durationMs: ctx.quick ? 1_500 : 10_000,
      tailMs: ctx.quick ? 1_000 : 4_000,
      drainMs: ctx.quick ? 2_000 : 5_000,
      collectIds: false,
    };
    const workers = Math.max(2, cpus().length);
    const { targets: base, notes } = targetsFor(ctx);
    // The relay (the floor), then the Socket.IO + SQLite chat a developer would write (never to be slower than it).
    const targets = [base[0]!, socketioSqliteTarget, ...base.slice(1)];
    const pool = await startWorkers(workers);
    const runs: ThroughputRun[] = [];
    try {
      for (let repeat = 0; repeat < repeats; repeat++) {
        for (const target of rotate(targets, repeat)) {
          ctx.log(`throughput: ${pairs} pairs closed loop, repeat ${repeat + 1}/${repeats}, ${target.name}`);
          runs.push(await throughputRun(pool, target, pairs, repeat, params, { kill: !ctx.noKill }));
        }
      }
    } finally {
      await pool.close();
    }
    for (const r of runs) {
      // After a kill -9 every sender fails and every socket drops: only errors before it are worth a note.
      const errors = { ...r.openFailures, ...(r.kill ? {} : { ...r.sendErrors, ...r.disconnects }) };
      if (r.opened < r.pairs || Object.keys(errors).length || r.counts.duplicates || r.counts.misdelivered) {
        notes.push(
          `${r.target}, repeat ${r.repeat + 1}: opened ${r.opened}/${r.pairs}, ${r.counts.duplicates} duplicate and ` +
            `${r.counts.misdelivered} misdelivered receipts, errors ${JSON.stringify(errors)}.`,
        );
      }
      if (r.kill && (r.kill.missing || r.kill.duplicated)) {
        notes.push(
          `**${r.target}, repeat ${r.repeat + 1}: after kill -9, ${r.kill.missing} of ${r.kill.acked} acknowledged ` +
            `messages missing and ${r.kill.duplicated} duplicated.**`,
        );
      }
    }
    const relay = new Map(runs.filter((r) => r.target === 'relay').map((r) => [r.repeat, r]));
    const naive = new Map(runs.filter((r) => r.target === 'socketio-sqlite').map((r) => [r.repeat, r]));
    const rows = targets.map((t) => {
      const mine = runs.filter((r) => r.target === t.name);
      const m = (f: (r: ThroughputRun) => number) => median(mine.map(f));
      const killed = mine.filter((r) => r.kill);
      return {
        target: t.name,
        runs: mine.length,
        acked: round(m((r) => r.ackedPerSecond)),
        delivered: round(m((r) => r.deliveredPerSecond)),
        ratio: round(median(mine.map((r) => r.ackedPerSecond / (relay.get(r.repeat)?.ackedPerSecond ?? NaN))), 2),
        naiveRatio: round(median(mine.map((r) => r.ackedPerSecond / (naive.get(r.repeat)?.ackedPerSecond ?? NaN))), 2),
        ackP50: m((r) => r.ackMs.p50),
        ackP99: m((r) => r.ackMs.p99),
        e2eP99: m((r) => r.e2eMs.p99),
        generatorCpu: m((r) => Math.max(...r.generatorCpuShare)),
        cpuPerAck: m((r) => r.serverCpuUsPerAck),
        cpuRatio: round(
          median(mine.map((r) => r.serverCpuUsPerAck / (relay.get(r.repeat)?.serverCpuUsPerAck ?? NaN))),
          2,
        ),
        kill: killed.length
          ? {
              runs: killed.length,
              acked: killed.reduce((s, r) => s + r.kill!.acked, 0),
              missing: killed.reduce((s, r) => s + r.kill!.missing, 0),
              duplicated: killed.reduce((s, r) => s + r.kill!.duplicated, 0),
              restartMs: median(killed.map((r) => r.kill!.restartMs)),
            }
          : undefined,
      };
    });
    const markdown = [
      `## Throughput (closed loop: ${pairs} conversations, ${pairs * 2} senders with one message in flight each, ` +
        `${params.bodyBytes} B, ${params.durationMs / 1000} s measured after ${params.warmupMs / 1000} s warm-up, ` +
        `${plural(repeats, 'repeat')}; then kill -9)`,
      '',
      'Acked = acknowledgements per second inside the measured window (product: committed, encrypted, ' +
        'fanned out); × relay = median of per-repeat ratios (target ≥ 0.5×); × Socket.IO + SQLite = the same against ' +
        'the chat a developer would write with one durable INSERT per message (bench/baselines/; target ≥ 1×). kill -9: the server is SIGKILLed ' +
        `${params.tailMs / 2000} s into a ${params.tailMs / 1000} s tail of the same load, restarted on the same ` +
        'database, and every message acknowledged in the run is looked up: stored exactly once, or missing, or ' +
        "duplicated. Generator CPU = busiest worker, in cores. Server CPU / ack = the server process's CPU time (every " +
        "thread; not PostgreSQL's own processes) in the window per acknowledged message (target ≤ 2× the relay's); " +
        'CPU time, unlike latency, barely moves when the shared host is busy.',
      '',
      '| target | acked | × relay | × Socket.IO + SQLite | delivered | ack p50 / p99 | e2e p99 | server CPU / ack (× relay) | generator CPU | kill -9: acked / missing / duplicated | restart |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.target} | ${fmt.int(r.acked)}/s | ${r.target === 'relay' ? '1' : fmt.ratio(r.ratio)} | ` +
          `${r.target === 'relay' ? '—' : r.target === 'socketio-sqlite' ? '1' : fmt.ratio(r.naiveRatio)} | ` +
          `${fmt.int(r.delivered)}/s | ${fmt.ms(r.ackP50)} / ${fmt.ms(r.ackP99)} | ${fmt.ms(r.e2eP99)} | ` +
          `${fmt.num(r.cpuPerAck, 1)} µs${r.target === 'relay' ? '' : ` (${fmt.ratio(r.cpuRatio)})`} | ` +
          `${fmt.num(r.generatorCpu, 2)} | ` +
          (r.kill
            ? `${fmt.int(r.kill.acked)} / ${fmt.int(r.kill.missing)} / ${fmt.int(r.kill.duplicated)} | ${fmt.ms(r.kill.restartMs)} |`
            : '— | — |'),
      ),
      '',
      `kill -9 verdict: ${
        rows
          .filter((r) => r.kill)
          .map(
            (r) =>
              `${r.target} ${r.kill!.missing === 0 && r.kill!.duplicated === 0 ? 'every acknowledged message stored exactly once' : 'FAILED'} ` +
              `(${plural(r.kill!.runs, 'kill')})`,
          )
          .join(', ') || 'no product target'
      }.`,
    ];
    return {
      config: { pairs, senders: pairs * 2, repeats, workers, ...params, killAtMs: 'half-way through the tail' },
      runs,
      summary: { rows },
      markdown,
      notes,
    };
  },
};

/** One closed-loop run on a fresh server; product targets are killed in the tail and checked after a restart. */
export async function throughputRun(
  pool: WorkerPool,
  target: Target,
  pairs: number,
  repeat: number,
  params: ClosedRunParams,
  options: { kill: boolean } = { kill: true },
): Promise<ThroughputRun> {
  const t0 = performance.now();
  const server = await target.start({ pairs });
  const startMs = round(performance.now() - t0);
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
    const openMs = round(performance.now() - t0 - startMs);
    const crash = options.kill ? server.crash : undefined;
    const runParams = { ...params, collectIds: !!crash, tailMs: crash ? params.tailMs : 0 };
    const killAtMs = params.warmupMs + params.durationMs + params.tailMs / 2;
    const timeout = params.warmupMs + params.durationMs + params.tailMs + params.drainMs + 60_000;
    const sendingFrom = performance.now() + 50;
    const sending = pool.all('chat.closed', () => runParams, timeout);
    let serverRssBytes = NaN;
    let killed: Promise<void> | undefined;
    const cpu = { start: NaN, end: NaN };
    const cpuStartTimer = setTimeout(() => (cpu.start = server.cpuSeconds()), 50 + params.warmupMs);
    const rssTimer = setTimeout(
      () => {
        serverRssBytes = server.rss();
        cpu.end = server.cpuSeconds();
      },
      50 + params.warmupMs + params.durationMs,
    );
    // The workers start sending ~50 ms after they get the call; the kill lands in the middle of the tail.
    const killTimer = crash
      ? setTimeout(() => {
          killed = crash.kill();
        }, 50 + killAtMs)
      : undefined;
    let results: ClosedRunResult[];
    try {
      results = await sending;
    } finally {
      clearTimeout(rssTimer);
      clearTimeout(cpuStartTimer);
      clearTimeout(killTimer);
    }
    // Every sender stopped before the tail (errors): kill now all the same, the stored-once check still holds.
    const killedAtMs = killed ? killAtMs : round(performance.now() - sendingFrom);
    if (crash && !killed) killed = crash.kill();
    await killed;
    const kill = crash ? { atMs: killedAtMs, ...(await crash.recover(results.flatMap((r) => r.ackedIds))) } : undefined;
    await pool.all('chat.close', () => undefined, 60_000);
    const sum = (f: (r: ClosedRunResult) => number) => results.reduce((s, r) => s + f(r), 0);
    const seconds = params.durationMs / 1000;
    return {
      repeat,
      target: target.name,
      pairs,
      opened: opened.reduce((s, r) => s + r.ok, 0),
      openFailures: ErrorTally.merge(opened.map((r) => r.errors)),
      ackedPerSecond: round(sum((r) => r.ackedInWindow) / seconds),
      deliveredPerSecond: round(sum((r) => r.receivedInWindow) / seconds),
      counts: {
        pairs: sum((r) => r.pairs),
        sent: sum((r) => r.sent),
        acked: sum((r) => r.acked),
        received: sum((r) => r.received),
        ackedInWindow: sum((r) => r.ackedInWindow),
        receivedInWindow: sum((r) => r.receivedInWindow),
        unanswered: sum((r) => r.unanswered),
        undelivered: sum((r) => r.undelivered),
        duplicates: sum((r) => r.duplicates),
        misdelivered: sum((r) => r.misdelivered),
        unexpected: sum((r) => r.unexpected),
      },
      sendErrors: ErrorTally.merge(results.map((r) => r.sendErrors)),
      disconnects: ErrorTally.merge(results.map((r) => r.disconnects)),
      ackMs: summariseEncoded(results.map((r) => r.ack)),
      e2eMs: summariseEncoded(results.map((r) => r.e2e)),
      generatorCpuShare: results.map((r) => round(r.cpuShare, 2)),
      serverRssBytes,
      serverCpuUsPerAck: round(((cpu.end - cpu.start) * 1e6) / sum((r) => r.ackedInWindow), 1),
      setupMs: { start: startMs, open: openMs },
      ...(kill ? { kill } : {}),
    };
  } finally {
    await pool.all('chat.close', () => undefined, 60_000).catch(() => undefined);
    await server.stop();
  }
}
