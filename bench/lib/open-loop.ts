/**
 * Open-loop arrivals: events are due at times fixed in advance by the offered rate (Poisson: exponential gaps;
 * uniform: equal gaps), whatever the server answers. A send is never held back by a slow ack (that would be a
 * closed loop, which hides the server's slowness by offering less). When this process falls behind (a busy
 * event loop, a late timer), due events fire late, in a burst, and keep their intended time: latencies are
 * measured from the intended time, and the lateness itself is recorded as generator lag, so a saturated
 * generator shows up instead of silently lowering the load (no coordinated omission).
 */
import type { Histogram } from 'hdr-histogram-js';
import { newHistogram, recordMs } from './histogram.js';

export type Arrival = 'poisson' | 'uniform';

/** A small seeded PRNG (mulberry32): runs are reproducible given the seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface OpenLoopOptions {
  /** Events per second offered by this process. */
  ratePerSecond: number;
  arrival: Arrival;
  /** performance.now() of the first possible arrival, and how long arrivals go on. */
  startAt: number;
  durationMs: number;
  random: () => number;
  /** Called for each due event, as close as possible to `intendedAt` (a performance.now() value). */
  fire(intendedAt: number): void;
}

export interface OpenLoopResult {
  scheduled: number;
  /** How late events fired (now − intended), in the HDR histogram's microseconds. */
  lag: Histogram;
}

export async function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const lag = newHistogram();
  const end = o.startAt + o.durationMs;
  const meanGap = 1000 / o.ratePerSecond;
  const gap = o.arrival === 'poisson' ? () => -Math.log(1 - o.random()) * meanGap : () => meanGap;
  let next = o.startAt + (o.arrival === 'poisson' ? gap() : o.random() * meanGap);
  let scheduled = 0;
  if (!(o.ratePerSecond > 0)) return { scheduled, lag };
  for (;;) {
    let now = performance.now();
    while (next <= now && next < end) {
      o.fire(next);
      scheduled++;
      recordMs(lag, performance.now() - next);
      next += gap();
      now = performance.now();
    }
    if (next >= end) break;
    const wait = next - performance.now();
    await new Promise((r) => (wait >= 1 ? setTimeout(r, Math.floor(wait)) : setImmediate(r)));
  }
  const rest = end - performance.now();
  if (rest > 0) await new Promise((r) => setTimeout(r, rest));
  return { scheduled, lag };
}
