/**
 * Worker side of the `idle` scenario: visitor sessions over HTTP, then idle authenticated sockets (the product's
 * `/visitor` namespace with `auth: { token }`, through the real socket.io-client, WebSocket only) or idle relay
 * sockets (raw `ws`, joined to a room of their own). Sockets stay open between calls until `idle.close`.
 */
import { io, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';
import type { RelayServerFrame } from '../relay/protocol.js';
import { ErrorTally, errorMessage, forEachBounded } from '../lib/concurrency.js';
import { encodeHistogram, newHistogram, recordMs } from '../lib/histogram.js';

const tokens: string[] = [];
const productSockets: Socket[] = [];
const relaySockets: WebSocket[] = [];
let dropped = 0;

export interface PhaseResult {
  ok: number;
  failed: number;
  errors: Record<string, number>;
  /** Wall time of the whole phase in this worker. */
  ms: number;
  /** Per-item latency (one HTTP request, or one socket from `new` to connected and authenticated). */
  latency: string;
}

async function phase(count: number, concurrency: number, one: (i: number) => Promise<void>): Promise<PhaseResult> {
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

async function createSession(url: string): Promise<void> {
  const r = await fetch(`${url}/api/visitor/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ transport: 'bearer' }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await r.json()) as { token?: string; error?: { code?: string } };
  if (r.status !== 201 || !body.token) throw new Error(`HTTP ${r.status} ${body.error?.code ?? ''}`.trim());
  tokens.push(body.token);
}

function connectProduct(url: string, token: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = io(`${url}/visitor`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: timeoutMs,
      extraHeaders: { origin: url },
      auth: { token },
    });
    socket.once('connect', () => {
      productSockets.push(socket);
      socket.once('disconnect', () => dropped++);
      resolve();
    });
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

function connectRelay(url: string, room: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), { perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('relay connect timeout'));
    }, timeoutMs);
    ws.once('open', () => ws.send(JSON.stringify({ t: 'join', room })));
    ws.once('message', (data: Buffer) => {
      clearTimeout(timer);
      const frame = JSON.parse(data.toString()) as RelayServerFrame;
      if (frame.t !== 'joined') {
        ws.terminate();
        reject(new Error(`relay answered ${frame.t}`));
        return;
      }
      relaySockets.push(ws);
      ws.once('close', () => dropped++);
      resolve();
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export const idleTasks = {
  /** Creates `count` visitor bearer sessions (kept in this worker for `idle.connect`). */
  'idle.sessions': (p: { url: string; count: number; concurrency: number }) =>
    phase(p.count, p.concurrency, () => createSession(p.url)),

  /** Opens idle sockets: one per stored token (product), or `count` (relay). */
  'idle.connect': (
    p: { target: 'product' | 'relay'; url: string; count: number; concurrency: number; timeoutMs: number },
    worker: number,
  ) => {
    dropped = 0;
    if (p.target === 'product') {
      const batch = tokens.splice(0, p.count);
      return phase(batch.length, p.concurrency, (i) => connectProduct(p.url, batch[i]!, p.timeoutMs));
    }
    return phase(p.count, p.concurrency, (i) => connectRelay(p.url, `idle-${worker}-${i}`, p.timeoutMs));
  },

  /**
   * Warm-up: opens `count` sockets (product: reusing the first stored tokens, which stay stored) and closes them,
   * so one-time costs of the server (JIT, lazily loaded code paths) are paid before the memory baseline.
   */
  'idle.warmup': async (
    p: { target: 'product' | 'relay'; url: string; count: number; timeoutMs: number },
    worker: number,
  ) => {
    const count = p.target === 'product' ? Math.min(p.count, tokens.length) : p.count;
    const result =
      p.target === 'product'
        ? await phase(count, 16, (i) => connectProduct(p.url, tokens[i]!, p.timeoutMs))
        : await phase(count, 16, (i) => connectRelay(p.url, `warm-${worker}-${i}`, p.timeoutMs));
    for (const s of productSockets.splice(0)) {
      s.off('disconnect');
      s.disconnect();
    }
    for (const ws of relaySockets.splice(0)) {
      ws.removeAllListeners('close');
      ws.close();
    }
    await new Promise((r) => setTimeout(r, 200));
    return result;
  },

  /** How many sockets are still open, and how many closed since `idle.connect`. */
  'idle.status': () => {
    const open =
      productSockets.filter((s) => s.connected).length +
      relaySockets.filter((s) => s.readyState === WebSocket.OPEN).length;
    return Promise.resolve({ open, dropped });
  },

  /** Closes every socket of this worker and forgets unused tokens. */
  'idle.close': async () => {
    const closed = productSockets.length + relaySockets.length;
    for (const s of productSockets.splice(0)) {
      s.off('disconnect');
      s.disconnect();
    }
    for (const ws of relaySockets.splice(0)) {
      ws.removeAllListeners('close');
      ws.close();
    }
    tokens.length = 0;
    await new Promise((r) => setTimeout(r, 100));
    return { closed };
  },
};
