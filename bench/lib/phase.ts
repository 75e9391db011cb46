/**
 * A load-generator phase: `count` operations, `concurrency` at a time, each timed into an HDR histogram; failures
 * are tallied by message, never thrown. Shared by the worker-side clients (idle sockets, reconnect storm).
 */
import { ErrorTally, errorMessage, forEachBounded } from './concurrency.js';
import { encodeHistogram, newHistogram, recordMs, summariseEncoded, type LatencySummary } from './histogram.js';
import { round } from './stats.js';

export interface PhaseResult {
  ok: number;
  failed: number;
  errors: Record<string, number>;
  /** Wall time of the whole phase in this worker. */
  ms: number;
  /** Per-item latency (one HTTP request, or one socket from `new` to connected and authenticated). */
  latency: string;
}

export async function phase(
  count: number,
  concurrency: number,
  one: (i: number) => Promise<void>,
): Promise<PhaseResult> {
  const errors = new ErrorTally();
  const latency = newHistogram();
  let ok = 0;
  const started = performance.now();
  await forEachBounded(count, concurrency, async (i) => {
    const t0 = performance.now();
    try {
      await one(i);
      recordMs(latency, performance.now() - t0);
      ok++;
    } catch (err) {
      errors.add(errorMessage(err));
    }
  });
  const result = {
    ok,
    failed: errors.total,
    errors: errors.counts,
    ms: performance.now() - started,
    latency: encodeHistogram(latency),
  };
  latency.destroy();
  return result;
}

/** One phase over every worker, as the runner reports it. */
export interface PhaseFigures {
  ok: number;
  failed: number;
  errors: Record<string, number>;
  /** Wall time of the phase across all workers, and the resulting rate. */
  ms: number;
  perSecond: number;
  latency: LatencySummary;
}

/** Merges the workers' results of one phase that took `ms` of wall time (runner side). */
export function mergePhase(results: readonly PhaseResult[], ms: number): PhaseFigures {
  const ok = results.reduce((s, r) => s + r.ok, 0);
  return {
    ok,
    failed: results.reduce((s, r) => s + r.failed, 0),
    errors: ErrorTally.merge(results.map((r) => r.errors)),
    ms: round(ms),
    perSecond: round(ok / (ms / 1000)),
    latency: summariseEncoded(results.map((r) => r.latency)),
  };
}
