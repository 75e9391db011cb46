/**
 * Throughput: a few conversations sending at increasing offered rates (open loop, Poisson), each step a fresh
 * server; what counts is how many acknowledgements (and deliveries) arrive per second inside the measured
 * window, i.e. what the server sustains, not what a backlog delivers afterwards. The product's figure
 * (acknowledged = committed) is to be ≥ 0.5× the relay's; today only the relay runs (see chat.ts).
 */
import { cpus } from 'node:os';
import type { ChatRunParams } from '../clients/chat.js';
import { median, round } from '../lib/stats.js';
import { startWorkers } from '../lib/workers.js';
import { chatRun, targetsFor, type ChatRun } from './chat.js';
import { fmt, plural, rotate, type Scenario } from './types.js';

export const throughputScenario: Scenario = {
  name: 'throughput',
  description: 'Offered rate in steps over a few conversations: acknowledged and delivered messages per second',
  async run(ctx) {
    const pairs = ctx.quick ? 50 : 100;
    const steps = ctx.quick ? [1_000, 4_000] : [1_000, 2_000, 4_000, 8_000, 16_000];
    const repeats = ctx.repeats ?? (ctx.quick ? 1 : 3);
    const base: Omit<ChatRunParams, 'seed' | 'ratePerParticipant'> = {
      arrival: 'poisson',
      bodyBytes: 200,
      warmupMs: ctx.quick ? 1_000 : 2_000,
      durationMs: ctx.quick ? 3_000 : 10_000,
      drainMs: ctx.quick ? 2_000 : 5_000,
    };
    const workers = Math.max(2, cpus().length);
    const { targets, notes } = targetsFor(ctx);
    const pool = await startWorkers(workers);
    const runs: (ChatRun & { step: number })[] = [];
    try {
      for (const step of steps) {
        for (let repeat = 0; repeat < repeats; repeat++) {
          for (const target of rotate(targets, repeat)) {
            ctx.log(`throughput: ${step} msg/s offered, repeat ${repeat + 1}/${repeats}, ${target.name}`);
            const params = { ...base, ratePerParticipant: step / (2 * pairs), seed: repeat + 1 };
            runs.push({ step, ...(await chatRun(pool, target, pairs, repeat, params)) });
          }
        }
      }
    } finally {
      await pool.close();
    }
    for (const r of runs) {
      if (r.opened < r.pairs || Object.keys(r.sendErrors).length || Object.keys(r.disconnects).length) {
        notes.push(
          `${r.target} at ${r.step}/s, repeat ${r.repeat + 1}: opened ${r.opened}/${r.pairs}, errors ` +
            `${JSON.stringify({ ...r.openFailures, ...r.sendErrors, ...r.disconnects })}.`,
        );
      }
    }
    const rows = steps.flatMap((step) =>
      targets.map((t) => {
        const mine = runs.filter((r) => r.step === step && r.target === t.name);
        const m = (f: (r: ChatRun) => number) => median(mine.map(f));
        return {
          target: t.name,
          offered: step,
          acked: round(m((r) => r.achieved.ackedInWindowPerSecond)),
          delivered: round(m((r) => r.achieved.deliveredInWindowPerSecond)),
          ackP50: m((r) => r.ackMs.p50),
          ackP99: m((r) => r.ackMs.p99),
          e2eP99: m((r) => r.e2eMs.p99),
          lagP99: m((r) => r.generatorLagMs.p99),
          generatorCpu: m((r) => Math.max(...r.generatorCpuShare)),
          unacked: m((r) => r.counts.unacked),
        };
      }),
    );
    const best = targets.map((t) => ({
      target: t.name,
      maxAcked: Math.max(...rows.filter((r) => r.target === t.name).map((r) => r.acked)),
    }));
    const relayBest = best.find((b) => b.target === 'relay')?.maxAcked ?? NaN;
    const summary = { rows, best: best.map((b) => ({ ...b, ratio: round(b.maxAcked / relayBest, 2) })) };
    const markdown = [
      `## Throughput (${pairs} conversations, 200 B, Poisson open loop, ${base.durationMs / 1000} s per step, ` +
        `${plural(repeats, 'repeat')})`,
      '',
      'Acked and delivered = what arrived per second inside the measured window. "unacked" = measured messages ' +
        'still unacknowledged after the drain; generator CPU = busiest worker, in cores.',
      '',
      '| target | offered | acked | delivered | ack p50 / p99 | e2e p99 | lag p99 | unacked | generator CPU |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.target} | ${fmt.int(r.offered)}/s | ${fmt.int(r.acked)}/s | ${fmt.int(r.delivered)}/s | ` +
          `${fmt.ms(r.ackP50)} / ${fmt.ms(r.ackP99)} | ${fmt.ms(r.e2eP99)} | ${fmt.ms(r.lagP99)} | ${fmt.int(r.unacked)} | ` +
          `${fmt.num(r.generatorCpu, 2)} |`,
      ),
      '',
      `Highest acknowledged rate: ${summary.best.map((b) => `${b.target} ${fmt.int(b.maxAcked)}/s${b.target === 'relay' ? '' : ` (${fmt.ratio(b.ratio)} relay)`}`).join(', ')}.`,
    ];
    return { config: { pairs, steps, repeats, workers, ...base }, runs, summary, markdown, notes };
  },
};
