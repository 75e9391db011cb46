/**
 * Worker side of the messaging scenarios: opens pairs through a protocol adapter, then both participants of
 * every pair send on an open-loop schedule and the worker measures, on its own monotonic clock
 * (performance.now()), ack latency (intended send → ack at the sender) and end-to-end latency (intended send →
 * receipt at the other participant, in this same process). Bodies start with `<worker>:<n>:` so a receipt is
 * matched to its send, and to the pair and side it was meant for.
 */
import { MESSAGING_ADAPTERS } from '../adapters/index.js';
import type { Participant } from '../adapters/types.js';
import { ErrorTally } from '../lib/concurrency.js';
import { encodeHistogram, newHistogram, recordMs } from '../lib/histogram.js';
import { runOpenLoop, seededRandom, type Arrival } from '../lib/open-loop.js';
import { phase, type PhaseResult } from '../lib/phase.js';

const ACKED = 1;
const RECEIVED = 2;
const FAILED = 4;

let pairs: [Participant, Participant][] = [];
let onReceive: (pair: number, side: 0 | 1, body: string) => void = () => undefined;
let disconnects = new ErrorTally();

export interface ChatRunParams {
  /** Messages per second sent by each participant (both sides of every pair send). */
  ratePerParticipant: number;
  arrival: Arrival;
  bodyBytes: number;
  warmupMs: number;
  durationMs: number;
  /** After the last arrival, how long to wait for outstanding acks and receipts. */
  drainMs: number;
  seed: number;
}

export interface ChatRunResult {
  pairs: number;
  /** Arrivals scheduled in the measured window (after warm-up), and what became of them. */
  offered: number;
  sent: number;
  acked: number;
  received: number;
  /** Acks and receipts (of any message) that arrived inside the measured window: the rate the server sustained. */
  ackedInWindow: number;
  receivedInWindow: number;
  sendErrors: Record<string, number>;
  unacked: number;
  undelivered: number;
  duplicates: number;
  misdelivered: number;
  unexpected: number;
  disconnects: Record<string, number>;
  measuredMs: number;
  /** Encoded HDR histograms (µs): intended → ack, intended → receipt, generator lag. */
  ack: string;
  e2e: string;
  lag: string;
  /** CPU time this worker used during the run, as a share of one core. */
  cpuShare: number;
}

export interface ClosedRunParams {
  bodyBytes: number;
  warmupMs: number;
  durationMs: number;
  /** Sending goes on this long after the measured window (the runner may kill the server in it). */
  tailMs: number;
  /** After the end, how long to wait for sends still unanswered. */
  drainMs: number;
  /** Return the id of every acknowledged message (kill -9 check). */
  collectIds: boolean;
}

export interface ClosedRunResult {
  pairs: number;
  /** Over the whole run (warm-up, window, tail): sends, acks, receipts. */
  sent: number;
  acked: number;
  received: number;
  /** Acks and receipts inside the measured window: the sustained rate. */
  ackedInWindow: number;
  receivedInWindow: number;
  sendErrors: Record<string, number>;
  /** Sends never answered (the server died with them, or the drain ran out). */
  unanswered: number;
  /** Acknowledged but never received by the other participant. */
  undelivered: number;
  duplicates: number;
  misdelivered: number;
  unexpected: number;
  disconnects: Record<string, number>;
  measuredMs: number;
  /** Encoded HDR histograms (µs) of acks and receipts inside the window: send → ack, send → receipt. */
  ack: string;
  e2e: string;
  cpuShare: number;
  ackedIds: string[];
}

export const chatTasks = {
  'chat.open': async (p: {
    adapter: string;
    urls: string[];
    pairs: number;
    firstIndex: number;
    concurrency: number;
    prepared?: unknown;
    timeoutMs: number;
    /** Keep the pairs already open and add these (a ramp of conversation counts on one server). */
    append?: boolean;
  }): Promise<PhaseResult> => {
    const adapter = MESSAGING_ADAPTERS[p.adapter];
    if (!adapter) throw new Error(`no messaging adapter "${p.adapter}"`);
    if (!p.append) disconnects = new ErrorTally();
    const opened: [Participant, Participant][] = p.append ? pairs : [];
    const result = await phase(p.pairs, p.concurrency, async (i) => {
      const slot = { index: -1 };
      const pair = await adapter.openPair(
        { index: p.firstIndex + i, urls: p.urls, prepared: p.prepared, timeoutMs: p.timeoutMs },
        {
          onMessage: (side, body) => onReceive(slot.index, side, body),
          onDisconnect: (side, reason) => disconnects.add(`side ${side}: ${reason}`),
        },
      );
      slot.index = opened.push(pair) - 1;
    });
    pairs = opened;
    return result;
  },

  'chat.run': async (p: ChatRunParams, worker: number): Promise<ChatRunResult> => {
    const participants = pairs.length * 2;
    const random = seededRandom(p.seed * 1000 + worker);
    const ack = newHistogram();
    const e2e = newHistogram();
    const sendErrors = new ErrorTally();
    // Per message n: intended time, pair*2+side of the sender, state bits, whether it is measured.
    const intended: number[] = [];
    const from: number[] = [];
    const state: number[] = [];
    const measured: boolean[] = [];
    let ackedInWindow = 0;
    let receivedInWindow = 0;
    let duplicates = 0;
    let misdelivered = 0;
    let unexpected = 0;
    const prefix = `${worker}:`;
    const padding = 'x'.repeat(Math.max(0, p.bodyBytes));

    onReceive = (pair, side, body) => {
      const now = performance.now();
      const colon = body.indexOf(':', prefix.length);
      const n = body.startsWith(prefix) && colon > 0 ? Number(body.slice(prefix.length, colon)) : NaN;
      if (!Number.isInteger(n) || intended[n] === undefined) {
        unexpected++;
        return;
      }
      if (from[n] !== pair * 2 + (1 - side)) {
        misdelivered++;
        return;
      }
      if (state[n]! & RECEIVED) {
        duplicates++;
        return;
      }
      state[n]! |= RECEIVED;
      if (now >= measureFrom && now < measureEnd) receivedInWindow++;
      if (measured[n]) recordMs(e2e, now - intended[n]!);
    };

    // Uniform: every participant sends every 1/rate s, in a shuffled round-robin; Poisson: a random one each time.
    const order = Array.from({ length: participants }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let turn = 0;
    const cpuBefore = process.cpuUsage();
    const startAt = performance.now() + 50;
    const measureFrom = startAt + p.warmupMs;
    const measureEnd = measureFrom + p.durationMs;
    let sent = 0;

    const loop = await runOpenLoop({
      ratePerSecond: p.ratePerParticipant * participants,
      arrival: p.arrival,
      startAt,
      durationMs: p.warmupMs + p.durationMs,
      random,
      fire(at) {
        const who = p.arrival === 'uniform' ? order[turn++ % participants]! : Math.floor(random() * participants);
        const n = intended.length;
        intended.push(at);
        from.push(who);
        state.push(0);
        const isMeasured = at >= measureFrom;
        measured.push(isMeasured);
        const head = `${prefix}${n}:`;
        const body = head + padding.slice(0, Math.max(0, p.bodyBytes - head.length));
        if (isMeasured) sent++;
        pairs[who >> 1]![(who & 1) as 0 | 1].send(body, (error) => {
          if (error !== undefined) {
            state[n]! |= FAILED;
            if (isMeasured) sendErrors.add(error);
            return;
          }
          if (state[n]! & ACKED) return;
          state[n]! |= ACKED;
          const now = performance.now();
          if (now >= measureFrom && now < measureEnd) ackedInWindow++;
          if (isMeasured) recordMs(ack, now - at);
        });
      },
    });

    // Drain: wait for outstanding acks and receipts of measured messages, at most drainMs.
    const outstanding = () => {
      let unacked = 0;
      let undelivered = 0;
      for (let n = 0; n < intended.length; n++) {
        if (!measured[n] || state[n]! & FAILED) continue;
        if (!(state[n]! & ACKED)) unacked++;
        if (!(state[n]! & RECEIVED)) undelivered++;
      }
      return { unacked, undelivered };
    };
    const drainUntil = performance.now() + p.drainMs;
    let left = outstanding();
    while ((left.unacked > 0 || left.undelivered > 0) && performance.now() < drainUntil) {
      await new Promise((r) => setTimeout(r, 25));
      left = outstanding();
    }
    const cpu = process.cpuUsage(cpuBefore);
    const elapsedMs = performance.now() - startAt;
    let acked = 0;
    let received = 0;
    for (let n = 0; n < intended.length; n++) {
      if (!measured[n]) continue;
      if (state[n]! & ACKED) acked++;
      if (state[n]! & RECEIVED) received++;
    }
    onReceive = () => undefined;
    const offered = measured.filter(Boolean).length;
    const result: ChatRunResult = {
      pairs: pairs.length,
      offered,
      sent,
      acked,
      received,
      ackedInWindow,
      receivedInWindow,
      sendErrors: sendErrors.counts,
      unacked: left.unacked,
      undelivered: left.undelivered,
      duplicates,
      misdelivered,
      unexpected,
      disconnects: disconnects.counts,
      measuredMs: p.durationMs,
      ack: encodeHistogram(ack),
      e2e: encodeHistogram(e2e),
      lag: encodeHistogram(loop.lag),
      cpuShare: (cpu.user + cpu.system) / 1000 / elapsedMs,
    };
    ack.destroy();
    e2e.destroy();
    loop.lag.destroy();
    return result;
  },

  /**
   * Closed loop: every participant of every pair keeps one message outstanding, sending the next as soon as the
   * previous one is acknowledged, from `startAt` for `warmupMs + durationMs + tailMs`. The figure is what the server
   * acknowledges per second in the measured window; the tail is where the runner may kill the server (kill -9):
   * a participant whose send fails stops. With `collectIds`, every acknowledged message's id is returned so the
   * runner can check the database after a restart.
   */
  'chat.closed': async (p: ClosedRunParams, worker: number): Promise<ClosedRunResult> => {
    const participants = pairs.length * 2;
    const ack = newHistogram();
    const e2e = newHistogram();
    const sendErrors = new ErrorTally();
    const sentAt: number[] = [];
    const from: number[] = [];
    const state: number[] = [];
    const ids: string[] = [];
    let ackedInWindow = 0;
    let receivedInWindow = 0;
    let acked = 0;
    let received = 0;
    let duplicates = 0;
    let misdelivered = 0;
    let unexpected = 0;
    let outstanding = 0;
    let stopped = 0;
    const prefix = `${worker}:`;
    const padding = 'x'.repeat(Math.max(0, p.bodyBytes));
    const startAt = performance.now() + 50;
    const measureFrom = startAt + p.warmupMs;
    const measureEnd = measureFrom + p.durationMs;
    const endAt = measureEnd + p.tailMs;
    const inWindow = (t: number) => t >= measureFrom && t < measureEnd;

    onReceive = (pair, side, body) => {
      const now = performance.now();
      const colon = body.indexOf(':', prefix.length);
      const n = body.startsWith(prefix) && colon > 0 ? Number(body.slice(prefix.length, colon)) : NaN;
      if (!Number.isInteger(n) || sentAt[n] === undefined) {
        unexpected++;
        return;
      }
      if (from[n] !== pair * 2 + (1 - side)) {
        misdelivered++;
        return;
      }
      if (state[n]! & RECEIVED) {
        duplicates++;
        return;
      }
      state[n]! |= RECEIVED;
      received++;
      if (inWindow(now)) {
        receivedInWindow++;
        recordMs(e2e, now - sentAt[n]!);
      }
    };

    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const sendNext = (who: number) => {
      const now = performance.now();
      if (now >= endAt) {
        if (++stopped === participants) finish();
        return;
      }
      const n = sentAt.length;
      sentAt.push(now);
      from.push(who);
      state.push(0);
      const head = `${prefix}${n}:`;
      outstanding++;
      pairs[who >> 1]![(who & 1) as 0 | 1].send(
        head + padding.slice(0, Math.max(0, p.bodyBytes - head.length)),
        (error, a) => {
          outstanding--;
          if (error !== undefined) {
            state[n]! |= FAILED;
            sendErrors.add(error);
            if (++stopped === participants) finish();
            return;
          }
          if (state[n]! & ACKED) return;
          state[n]! |= ACKED;
          acked++;
          const t = performance.now();
          if (inWindow(t)) {
            ackedInWindow++;
            recordMs(ack, t - sentAt[n]!);
          }
          if (p.collectIds && a) ids.push(a.id);
          sendNext(who);
        },
      );
    };

    const cpuBefore = process.cpuUsage();
    await new Promise((r) => setTimeout(r, Math.max(0, startAt - performance.now())));
    if (participants === 0) finish();
    for (let who = 0; who < participants; who++) sendNext(who);
    // Every participant stopped (time is up, or its send failed), or the drain ran out with sends unanswered.
    await Promise.race([finished, new Promise((r) => setTimeout(r, endAt - performance.now() + p.drainMs))]);
    const cpu = process.cpuUsage(cpuBefore);
    onReceive = () => undefined;
    let undelivered = 0;
    for (let n = 0; n < sentAt.length; n++) if (state[n]! & ACKED && !(state[n]! & RECEIVED)) undelivered++;
    const result: ClosedRunResult = {
      pairs: pairs.length,
      sent: sentAt.length,
      acked,
      received,
      ackedInWindow,
      receivedInWindow,
      sendErrors: sendErrors.counts,
      unanswered: outstanding,
      undelivered,
      duplicates,
      misdelivered,
      unexpected,
      disconnects: disconnects.counts,
      measuredMs: p.durationMs,
      ack: encodeHistogram(ack),
      e2e: encodeHistogram(e2e),
      cpuShare: (cpu.user + cpu.system) / 1000 / (performance.now() - startAt),
      ackedIds: ids,
    };
    ack.destroy();
    e2e.destroy();
    return result;
  },

  'chat.close': async () => {
    const closed = pairs.length;
    for (const [a, b] of pairs) {
      a.close();
      b.close();
    }
    pairs = [];
    await new Promise((r) => setTimeout(r, 100));
    return { closed };
  },
};
