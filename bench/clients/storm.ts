/**
 * Worker side of the `reconnect-storm` scenario. Product: every client is a visitor with a bearer session and an
 * open conversation (joined by an agent, so it is active, not queued), connected to `/visitor` through the real
 * socket.io-client (WebSocket only, no automatic reconnection: the scenario decides when clients reconnect). A
 * client keeps, like the web app, the messages it holds by sequence and the highest sequence it holds with
 * nothing missing below it. When the server goes away every socket sees its disconnect; during the outage
 * agents add messages over HTTP (another path); then `storm.reconnect` reconnects every client of the worker at
 * once and each resumes with `conversation:sync { after: lastSeq }` (pages until `hasMore` is false). Relay: raw
 * `ws` clients joined to a room each; reconnecting = a new socket joined to the same room (no resume exists).
 */
import { io, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';
import { joinRelayRoom } from '../relay/client.js';
import { ErrorTally, errorMessage } from '../lib/concurrency.js';
import { encodeHistogram, newHistogram, recordMs } from '../lib/histogram.js';
import { phase } from '../lib/phase.js';

interface WireMessage {
  id: string;
  conversationId: string;
  seq: number;
}

interface StormClient {
  /** Index across all workers (names the visitor and its first message). */
  index: number;
  token: string;
  conversationId: string;
  /** Bearer token of the agent who joined the conversation (and posts to it during outages). */
  staffToken: string;
  socket?: Socket;
  /** Message id by (public) sequence, as this client received them (live frames and sync pages). */
  held: Map<number, string>;
  /** Highest sequence held with nothing missing below it: what the client resumes from. */
  lastSeq: number;
  /** The conversation's last public sequence as the server acknowledged it (start, join, agents' posts). */
  expectedLastSeq: number;
  /** The same message received twice; a sequence received with another message id; a frame of another conversation. */
  duplicates: number;
  conflicts: number;
  misdelivered: number;
  disconnectedAt?: number;
}

interface RelayClient {
  room: string;
  ws?: WebSocket;
  disconnectedAt?: number;
}

const clients: StormClient[] = [];
const relayClients: RelayClient[] = [];
let cutStartedAt = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function http<T>(url: string, method: 'GET' | 'POST', token: string | undefined, body?: unknown): Promise<T> {
  const r = await fetch(url, {
    method,
    headers: {
      origin: new URL(url).origin,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const json = (await r.json()) as T & { error?: { code?: string } };
  if (r.status >= 300)
    throw new Error(
      `${method} ${new URL(url).pathname.replace(/[A-Za-z0-9_-]{16,}/g, ':id')}: HTTP ${r.status} ${json.error?.code ?? ''}`.trim(),
    );
  return json;
}

function record(c: StormClient, m: WireMessage): void {
  if (m.conversationId !== c.conversationId) {
    c.misdelivered++;
    return;
  }
  const had = c.held.get(m.seq);
  if (had !== undefined) {
    if (had === m.id) c.duplicates++;
    else c.conflicts++;
    return;
  }
  c.held.set(m.seq, m.id);
  while (c.held.has(c.lastSeq + 1)) c.lastSeq++;
}

function newSocket(url: string, c: StormClient, timeoutMs: number): Socket {
  const socket = io(`${url}/visitor`, {
    transports: ['websocket'],
    reconnection: false,
    autoConnect: false,
    forceNew: true,
    timeout: timeoutMs,
    extraHeaders: { origin: url },
    auth: { token: c.token },
  });
  socket.on('message:new', ({ message }: { message: WireMessage }) => record(c, message));
  socket.on('disconnect', () => {
    c.disconnectedAt = performance.now();
  });
  return socket;
}

function connectOnce(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const onConnect = () => {
      socket.off('connect_error', onError);
      resolve();
    };
    const onError = (err: Error) => {
      socket.off('connect', onConnect);
      reject(err);
    };
    socket.once('connect', onConnect);
    socket.once('connect_error', onError);
    socket.connect();
  });
}

/** `conversation:sync` from the last sequence held, page after page; a `sequence_invalid` restarts from 0. */
async function syncAll(c: StormClient, timeoutMs: number, limit: number): Promise<number> {
  let pages = 0;
  for (;;) {
    const r = (await c.socket!.timeout(timeoutMs).emitWithAck('conversation:sync', {
      conversationId: c.conversationId,
      after: c.lastSeq,
      limit,
    })) as { ok?: true; messages?: WireMessage[]; hasMore?: boolean; error?: { code: string } };
    pages++;
    if (r.error?.code === 'sequence_invalid' && c.lastSeq > 0) {
      c.lastSeq = 0;
      continue;
    }
    if (!r.ok) throw new Error(`sync: ${r.error?.code ?? 'no ack'}`);
    for (const m of r.messages ?? []) record(c, m);
    if (!r.hasMore) return pages;
  }
}

/** socket.io-client's own reconnection delays: 1 s doubling up to 5 s, ±50 % jitter. */
const backoff = (attempt: number) => Math.min(5_000, 1_000 * 2 ** Math.max(0, attempt - 1)) * (0.5 + Math.random());

export interface StormReconnectResult {
  clients: number;
  resumed: number;
  failed: number;
  errors: Record<string, number>;
  /** Failed attempts that were retried (connect errors, timeouts), with the client's backoff. */
  retries: number;
  /** Clients that needed more than one sync page, and messages received by the resume syncs. */
  multiPage: number;
  caughtUp: number;
  /** Per client, from the storm's start in this worker: connected (handshake done) and resumed (sync done). */
  handshake: string;
  resume: string;
  /** This worker's time until its last client resumed (or gave up). */
  allMs: number;
  /** CPU this worker used meanwhile, as a share of one core (near 1: the client side set the pace). */
  cpuShare: number;
}

const cpuShareSince = (before: NodeJS.CpuUsage, ms: number) => {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / Math.max(1, ms);
};

export interface StormVerifyResult {
  clients: number;
  /** Clients whose held sequences are not 1…n without a hole, or whose last sequence is not the server's. */
  gaps: number;
  behind: number;
  duplicates: number;
  conflicts: number;
  misdelivered: number;
  /** Compared with `GET /api/conversations/:id/messages?after=0` (every client, or a sample). */
  checked: number;
  mismatched: number;
  checkErrors: Record<string, number>;
  messagesHeld: number;
}

export const stormTasks = {
  /**
   * Creates `count` visitors, each with a bearer session and a conversation (first message), joined by one of
   * the agents (round robin) so it is active: the visitor's sequence is then 2 (its message, "… joined").
   */
  'storm.setup': (p: { url: string; count: number; firstIndex: number; concurrency: number; staffTokens: string[] }) =>
    phase(p.count, p.concurrency, async (i) => {
      const index = p.firstIndex + i;
      const session = await http<{ token: string }>(`${p.url}/api/visitor/session`, 'POST', undefined, {
        transport: 'bearer',
      });
      const started = await http<{ conversation: { id: string; lastSeq: number } }>(
        `${p.url}/api/conversations`,
        'POST',
        session.token,
        { displayName: `Storm Visitor k${index}`, text: `Hello, this is storm client ${index}.` },
      );
      const staffToken = p.staffTokens[index % p.staffTokens.length]!;
      const joined = await http<{ lastPublicSeq: number }>(
        `${p.url}/api/staff/conversations/${started.conversation.id}/join`,
        'POST',
        staffToken,
        {},
      );
      clients.push({
        index,
        token: session.token,
        conversationId: started.conversation.id,
        staffToken,
        held: new Map(),
        lastSeq: 0,
        expectedLastSeq: joined.lastPublicSeq,
        duplicates: 0,
        conflicts: 0,
        misdelivered: 0,
      });
    }),

  /** Connects every client (bounded handshakes in flight) and syncs it from what it holds. */
  'storm.connect': (p: { url: string; concurrency: number; timeoutMs: number }) =>
    phase(clients.length, p.concurrency, async (i) => {
      const c = clients[i]!;
      c.socket ??= newSocket(p.url, c, p.timeoutMs);
      await connectOnce(c.socket);
      c.disconnectedAt = undefined;
      await syncAll(c, p.timeoutMs, 200);
    }),

  /** Marks the cut: disconnects are timed from here. */
  'storm.cut': () => {
    cutStartedAt = performance.now();
    return Promise.resolve({ connected: clients.filter((c) => c.socket?.connected).length });
  },

  /** Waits (bounded) until no socket of this worker is connected; how long after the cut the last one went. */
  'storm.awaitCut': async (p: { timeoutMs: number }) => {
    const deadline = performance.now() + p.timeoutMs;
    const open = () =>
      clients.filter((c) => c.socket?.connected).length +
      relayClients.filter((r) => r.ws?.readyState === WebSocket.OPEN).length;
    while (open() > 0 && performance.now() < deadline) await sleep(10);
    const times = [...clients, ...relayClients].map((c) => (c.disconnectedAt ?? NaN) - cutStartedAt);
    return { stillOpen: open(), lastDisconnectMs: Math.max(0, ...times.filter((t) => Number.isFinite(t))) };
  },

  /**
   * During the outage: an agent adds `messages` messages over HTTP to every `every`-th conversation (offset
   * `offset`), acknowledged by the server before the clients come back; the acks give the expected last sequence.
   */
  'storm.post': async (p: { url: string; every: number; offset: number; messages: number; concurrency: number }) => {
    const chosen = clients.filter((c) => (c.index + p.offset) % p.every === 0);
    const result = await phase(chosen.length * p.messages, p.concurrency, async (k) => {
      const c = chosen[Math.floor(k / p.messages)]!;
      const r = await http<{ message: { publicSeq?: number | null } }>(
        `${p.url}/api/staff/conversations/${c.conversationId}/messages`,
        'POST',
        c.staffToken,
        {
          text: `While you were away (${c.index}.${k % p.messages}).`,
          clientMsgId: `storm-${c.index}-${p.offset}-${k % p.messages}-${Date.now().toString(36)}`,
        },
      );
      c.expectedLastSeq = Math.max(c.expectedLastSeq, r.message.publicSeq ?? 0);
    });
    return { ...result, conversations: chosen.length };
  },

  /**
   * The storm: every client of this worker reconnects at once (no pacing) and resumes from its last sequence.
   * A failed attempt is retried with socket.io-client's backoff until `timeoutMs` after the start.
   */
  'storm.reconnect': async (p: { timeoutMs: number; handshakeTimeoutMs: number; syncLimit: number }) => {
    const errors = new ErrorTally();
    const handshake = newHistogram();
    const resume = newHistogram();
    let resumed = 0;
    let retries = 0;
    let multiPage = 0;
    let caughtUp = 0;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const deadline = t0 + p.timeoutMs;
    await Promise.all(
      clients.map(async (c) => {
        const before = c.held.size;
        let shaken = false;
        for (let attempt = 1; ; attempt++) {
          try {
            if (!c.socket!.connected) await connectOnce(c.socket!);
            if (!shaken) {
              shaken = true;
              recordMs(handshake, performance.now() - t0);
            }
            if ((await syncAll(c, p.handshakeTimeoutMs, p.syncLimit)) > 1) multiPage++;
            recordMs(resume, performance.now() - t0);
            resumed++;
            caughtUp += c.held.size - before;
            return;
          } catch (err) {
            const wait = backoff(attempt);
            if (performance.now() + wait >= deadline) {
              errors.add(`gave up: ${errorMessage(err)}`);
              return;
            }
            errors.add(errorMessage(err));
            retries++;
            await sleep(wait);
          }
        }
      }),
    );
    const result: StormReconnectResult = {
      clients: clients.length,
      resumed,
      failed: clients.length - resumed,
      errors: errors.counts,
      retries,
      multiPage,
      caughtUp,
      handshake: encodeHistogram(handshake),
      resume: encodeHistogram(resume),
      allMs: performance.now() - t0,
      cpuShare: cpuShareSince(cpu, performance.now() - t0),
    };
    handshake.destroy();
    resume.destroy();
    return result;
  },

  /**
   * No gaps, no duplicates: every client's held sequences must be 1…n with nothing missing, n must be the last
   * sequence the server acknowledged, and (for every `checkEvery`-th client, and every client that got messages
   * during the last outage) what it holds must equal the server's history from `GET …/messages?after=0`.
   */
  'storm.verify': async (p: {
    url: string;
    checkEvery: number;
    postedEvery: number;
    postedOffset: number;
    concurrency: number;
  }) => {
    let gaps = 0;
    let behind = 0;
    let messagesHeld = 0;
    for (const c of clients) {
      messagesHeld += c.held.size;
      if (c.held.size !== c.lastSeq) gaps++;
      if (c.lastSeq !== c.expectedLastSeq) behind++;
    }
    const sample = clients.filter(
      (c) => c.index % p.checkEvery === 0 || (c.index + p.postedOffset) % p.postedEvery === 0,
    );
    let mismatched = 0;
    const check = await phase(sample.length, p.concurrency, async (i) => {
      const c = sample[i]!;
      const server: WireMessage[] = [];
      for (let after = 0; ;) {
        const page = await http<{ messages: WireMessage[]; hasMore: boolean }>(
          `${p.url}/api/conversations/${c.conversationId}/messages?after=${after}&limit=500`,
          'GET',
          c.token,
        );
        server.push(...page.messages);
        if (!page.hasMore || page.messages.length === 0) break;
        after = page.messages[page.messages.length - 1]!.seq;
      }
      const same = server.length === c.held.size && server.every((m) => c.held.get(m.seq) === m.id);
      if (!same) mismatched++;
    });
    const result: StormVerifyResult = {
      clients: clients.length,
      gaps,
      behind,
      duplicates: clients.reduce((s, c) => s + c.duplicates, 0),
      conflicts: clients.reduce((s, c) => s + c.conflicts, 0),
      misdelivered: clients.reduce((s, c) => s + c.misdelivered, 0),
      checked: check.ok,
      mismatched,
      checkErrors: check.errors,
      messagesHeld,
    };
    return result;
  },

  /** Relay: `count` sockets, each joined to a room of its own. */
  'storm.relayConnect': (p: { url: string; count: number; concurrency: number; timeoutMs: number }, worker: number) =>
    phase(p.count, p.concurrency, async (i) => {
      const r: RelayClient = { room: `storm-${worker}-${i}` };
      r.ws = await joinRelayRoom(p.url, r.room, p.timeoutMs);
      r.ws.once('close', () => (r.disconnectedAt = performance.now()));
      relayClients.push(r);
    }),

  /** Relay storm: every socket of this worker reconnects at once and joins its room again (no resume exists). */
  'storm.relayReconnect': async (p: { url: string; timeoutMs: number; handshakeTimeoutMs: number }) => {
    const errors = new ErrorTally();
    const handshake = newHistogram();
    let resumed = 0;
    let retries = 0;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const deadline = t0 + p.timeoutMs;
    await Promise.all(
      relayClients.map(async (r) => {
        for (let attempt = 1; ; attempt++) {
          try {
            r.ws = await joinRelayRoom(p.url, r.room, p.handshakeTimeoutMs);
            r.disconnectedAt = undefined;
            r.ws.once('close', () => (r.disconnectedAt = performance.now()));
            recordMs(handshake, performance.now() - t0);
            resumed++;
            return;
          } catch (err) {
            const wait = backoff(attempt);
            if (performance.now() + wait >= deadline) {
              errors.add(`gave up: ${errorMessage(err)}`);
              return;
            }
            errors.add(errorMessage(err));
            retries++;
            await sleep(wait);
          }
        }
      }),
    );
    const encoded = encodeHistogram(handshake);
    handshake.destroy();
    const result: StormReconnectResult = {
      clients: relayClients.length,
      resumed,
      failed: relayClients.length - resumed,
      errors: errors.counts,
      retries,
      multiPage: 0,
      caughtUp: 0,
      handshake: encoded,
      resume: encoded,
      allMs: performance.now() - t0,
      cpuShare: cpuShareSince(cpu, performance.now() - t0),
    };
    return result;
  },

  /** Closes every socket and forgets every client of this worker. */
  'storm.close': async () => {
    const closed = clients.length + relayClients.length;
    for (const c of clients.splice(0)) {
      c.socket?.off('disconnect');
      c.socket?.disconnect();
    }
    for (const r of relayClients.splice(0)) {
      r.ws?.removeAllListeners('close');
      r.ws?.close();
    }
    await sleep(100);
    return { closed };
  },
};
