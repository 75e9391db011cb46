/**
 * HDR histograms (hdr-histogram-js) for latencies. Values are recorded in microseconds (integers, 3 significant
 * digits: ±0.1 %), shipped between processes as compressed base64 and merged in the runner, so percentiles are
 * computed over every sample of every worker, never averaged.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/** 1 µs … 10 min; longer values are clamped (and counted as such by the caller when it matters). */
const HIGHEST_US = 600_000_000;

export function newHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3 });
}

/** Records a duration given in milliseconds (from performance.now() differences). */
export function recordMs(h: Histogram, ms: number): void {
  const us = Math.round(ms * 1000);
  h.recordValue(Math.min(HIGHEST_US, Math.max(1, us)));
}

export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

/** Merges encoded histograms (one per worker) into one. */
export function mergeEncoded(encoded: readonly string[]): Histogram {
  const merged = newHistogram();
  for (const e of encoded) {
    const h = decodeFromCompressedBase64(e);
    merged.add(h);
    h.destroy();
  }
  return merged;
}

/** Latency percentiles in milliseconds (two decimals), with the sample count. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export function latencySummary(h: Histogram): LatencySummary {
  const ms = (us: number) => Math.round(us / 10) / 100;
  if (h.totalCount === 0) return { count: 0, p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN, mean: NaN };
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}

export function summariseEncoded(encoded: readonly string[]): LatencySummary {
  const h = mergeEncoded(encoded);
  const s = latencySummary(h);
  h.destroy();
  return s;
}
