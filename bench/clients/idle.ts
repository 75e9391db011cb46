/**
 * Worker side of the `idle` scenario: visitor sessions over HTTP, then idle authenticated sockets (the product's
 * `/visitor` namespace with `auth: { token }`, through the real socket.io-client, WebSocket only) or idle relay
 * sockets (raw `ws`, joined to a room of their own). Sockets stay open between calls until `idle.close`.
 */
import { io, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';
import { joinRelayRoom } from '../relay/client.js';
import { phase } from '../lib/phase.js';

const tokens: string[] = [];
const productSockets: Socket[] = [];
const relaySockets: WebSocket[] = [];
let dropped = 0;

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

async function connectRelay(url: string, room: string, timeoutMs: number): Promise<void> {
  const ws = await joinRelayRoom(url, room, timeoutMs);
  relaySockets.push(ws);
  ws.once('close', () => dropped++);
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
