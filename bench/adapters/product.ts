/**
 * The product's messaging adapter: the real client path of a visitor and of an agent, through the built server,
 * so every message is validated, rate-limited (generous bench limits, bench/lib/servers.ts), encrypted,
 * group-committed and acknowledged after the commit, then fanned out as `message:new`.
 *
 *  - `productMessagingSetup.prepare` (runner, once per server target): the first admin through the CLI
 *    (`create-admin`, as an operator does), then agent accounts through the admin API (`POST /api/admin/users`),
 *    each signed in with `transport: 'bearer'`. One agent per `CONVERSATIONS_PER_AGENT` conversations: an agent
 *    has many conversations at once, as on a real desk.
 *  - `productMessagingAdapter.openPair` (worker): participant 0 is a visitor (`POST /api/visitor/session` bearer
 *    token, `/visitor` socket, conversation started over HTTP as the landing page does) on urls[0]; participant 1
 *    is an agent on urls[1 % urls.length], on ONE `/staff` socket per agent and server in this worker (shared by
 *    all that agent's conversations, like the desk's one socket), joined to the conversation with
 *    `conversation:join`. The pair is open once the join ack came back (the agent's socket is then in the
 *    conversation's room) and the visitor received the "joined" line as `message:new` (so the visitor's is too).
 *  - `send`: `message:send { conversationId, clientMsgId, text }` at once (open loop); the ack carries the stored
 *    message's id and sequence. Frames other than the other side's text messages (system lines, the sender's own
 *    echo, other conversations of a shared agent socket) are not handed on.
 *  - `countStored` (runner, kill -9): opens the database with the same DATA_DIR / DATABASE_URL and counts, for
 *    each acknowledged id, the rows stored for that message: the row itself plus any other row with the same
 *    (conversation, author, client id), i.e. a stored duplicate of the same send. Exactly once = 1.
 */
import { randomBytes } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { forEachBounded } from '../lib/concurrency.js';
import { benchSurname } from '../lib/names.js';
import type { Ack, MessagingAdapter, MessagingAdapterSetup, PairHandlers, Participant } from './types.js';

/** Conversations per agent account (an agent answers many conversations at once). */
export const CONVERSATIONS_PER_AGENT = 50;
/** Agents prepared when the caller does not say how many conversations will be opened. */
const DEFAULT_AGENTS = 10;

export interface ProductPrepared {
  /** Bearer tokens of signed-in agents; conversation `index` goes to agent ⌊index / perAgent⌋ (mod count). */
  agents: { id: string; token: string }[];
  perAgent: number;
}

type AckResponse = { ok: true; message: { id: string; seq: number } } | { error?: { code?: string } };
type MessageFrame = {
  message: { conversationId: string; seq: number; kind: string; text: string | null; author: { isSelf: boolean } };
};

async function api<T>(
  url: string,
  path: string,
  body: unknown,
  options: { token?: string; expect?: number; timeoutMs?: number } = {},
): Promise<T> {
  const r = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      origin: url,
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await r.text();
  if (r.status !== (options.expect ?? 200)) {
    let code = '';
    try {
      code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? '';
    } catch {
      // not JSON
    }
    throw new Error(`POST ${path}: HTTP ${r.status} ${code}`.trim());
  }
  return JSON.parse(text) as T;
}

function connectSocket(url: string, namespace: string, token: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(`${url}${namespace}`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: timeoutMs,
      extraHeaders: { origin: url },
      auth: { token },
    });
    socket.once('connect', () => {
      socket.off('connect_error');
      resolve(socket);
    });
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Sends on `socket` for one side of one conversation, keeping its unanswered sends to fail them on disconnect. */
class Sender {
  private readonly pending = new Map<number, (error: string | undefined, ack?: Ack) => void>();
  private next = 0;

  constructor(
    private readonly socket: Socket,
    private readonly conversationId: string,
    private readonly side: 0 | 1,
  ) {}

  send(body: string, done: (error: string | undefined, ack?: Ack) => void): void {
    if (!this.socket.connected) {
      done('not connected');
      return;
    }
    const n = ++this.next;
    this.pending.set(n, done);
    this.socket.emit(
      'message:send',
      { conversationId: this.conversationId, clientMsgId: `bench-${this.side}-${n}`, text: body },
      (res: AckResponse) => {
        const callback = this.pending.get(n);
        if (!callback) return;
        this.pending.delete(n);
        if ('ok' in res && res.ok) callback(undefined, { id: res.message.id, seq: res.message.seq });
        else callback((res as { error?: { code?: string } }).error?.code ?? 'error');
      },
    );
  }

  failAll(reason: string): void {
    const callbacks = [...this.pending.values()];
    this.pending.clear();
    for (const done of callbacks) done(reason);
  }
}

/** One agent's `/staff` socket in this worker, shared by that agent's conversations here. */
interface AgentSocket {
  socket: Socket;
  /** conversation id → what to do with a frame for it and with a disconnect. */
  conversations: Map<string, { onText(text: string): void; onDisconnect(reason: string): void }>;
}

const agentSockets = new Map<string, Promise<AgentSocket>>();

function agentSocket(url: string, token: string, timeoutMs: number): Promise<AgentSocket> {
  const key = `${url} ${token}`;
  let shared = agentSockets.get(key);
  if (!shared) {
    shared = connectSocket(url, '/staff', token, timeoutMs).then((socket) => {
      const agent: AgentSocket = { socket, conversations: new Map() };
      socket.on('message:new', ({ message: m }: MessageFrame) => {
        if (m.kind !== 'text' || m.author.isSelf || m.text === null) return;
        agent.conversations.get(m.conversationId)?.onText(m.text);
      });
      socket.once('disconnect', (reason) => {
        agentSockets.delete(key);
        for (const c of [...agent.conversations.values()]) c.onDisconnect(reason);
        agent.conversations.clear();
      });
      return agent;
    });
    shared.catch(() => agentSockets.delete(key));
    agentSockets.set(key, shared);
  }
  return shared;
}

function emitWithAck<T>(socket: Socket, event: string, payload: unknown, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    socket.timeout(timeoutMs).emit(event, payload, (err: Error | null, res: T & { error?: { code?: string } }) => {
      if (err) reject(new Error(`${event}: no ack within ${timeoutMs} ms`));
      else if (res.error) reject(new Error(`${event}: ${res.error.code ?? 'error'}`));
      else resolve(res);
    });
  });
}

const nonce = () => randomBytes(4).toString('hex');

/** Resolves once `ready()` is true, checking on every `poke()`; rejects after `timeoutMs`. */
function waitFor(ready: () => boolean, timeoutMs: number, what: string): { promise: Promise<void>; poke(): void } {
  let poke = () => undefined as void;
  const promise = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(what)), timeoutMs);
    poke = () => {
      if (!ready()) return;
      clearTimeout(timer);
      resolve();
    };
  });
  return { promise, poke: () => poke() };
}

export const productMessagingAdapter: MessagingAdapter = {
  name: 'product',
  async openPair({ index, urls, prepared, timeoutMs }, handlers: PairHandlers) {
    const { agents, perAgent } = prepared as ProductPrepared;
    if (!agents?.length) throw new Error('no agents prepared');
    const agentToken = agents[Math.floor(index / perAgent) % agents.length]!.token;
    const visitorUrl = urls[0]!;
    const agentUrl = urls[1 % urls.length]!;

    // The visitor: a bearer session and its socket first, so the new conversation's room takes it in at once.
    const { token } = await api<{ token: string }>(
      visitorUrl,
      '/api/visitor/session',
      { transport: 'bearer' },
      { expect: 201, timeoutMs },
    );
    const visitor = await connectSocket(visitorUrl, '/visitor', token, timeoutMs);
    let agent: AgentSocket | undefined;
    let conversationId = '';
    let open = false;
    const closed = [false, false];
    try {
      // Ready once the visitor has seen the agent's "joined" line: public sequence ≥ the one the join ack reports.
      let visitorSeq = 0;
      let joinedSeq = Infinity;
      const visitorReady = waitFor(() => visitorSeq >= joinedSeq, timeoutMs, 'the visitor saw no "joined" line');
      visitorReady.promise.catch(() => undefined);
      visitor.on('message:new', ({ message: m }: MessageFrame) => {
        if (m.conversationId !== conversationId) return;
        if (!open) {
          visitorSeq = Math.max(visitorSeq, m.seq);
          visitorReady.poke();
          return;
        }
        if (m.kind === 'text' && !m.author.isSelf && m.text !== null) handlers.onMessage(0, m.text);
      });
      const started = await api<{ conversation: { id: string } }>(
        visitorUrl,
        '/api/conversations',
        {
          displayName: `Guest ${index}`,
          text: `Hello, this is benchmark conversation ${index}.`,
          clientMsgId: `open-${nonce()}`,
        },
        { token, expect: 201, timeoutMs },
      );
      conversationId = started.conversation.id;
      const visitorSender = new Sender(visitor, conversationId, 0);
      visitor.once('disconnect', (reason) => {
        visitorSender.failAll(`disconnected: ${reason}`);
        if (!closed[0]) handlers.onDisconnect(0, reason);
      });

      agent = await agentSocket(agentUrl, agentToken, timeoutMs);
      const agentSender = new Sender(agent.socket, conversationId, 1);
      agent.conversations.set(conversationId, {
        onText: (text) => {
          if (open) handlers.onMessage(1, text);
        },
        onDisconnect: (reason) => {
          agentSender.failAll(`disconnected: ${reason}`);
          if (!closed[1]) handlers.onDisconnect(1, reason);
        },
      });
      const joined = await emitWithAck<{ conversation: { lastPublicSeq: number } }>(
        agent.socket,
        'conversation:join',
        { conversationId },
        timeoutMs,
      );
      joinedSeq = joined.conversation.lastPublicSeq;
      visitorReady.poke();
      await visitorReady.promise;
      open = true;

      const shared = agent;
      const participants: [Participant, Participant] = [
        {
          send: (body, done) => visitorSender.send(body, done),
          close() {
            closed[0] = true;
            visitor.disconnect();
          },
        },
        {
          send: (body, done) => agentSender.send(body, done),
          close() {
            closed[1] = true;
            shared.conversations.delete(conversationId);
            if (shared.conversations.size === 0) shared.socket.disconnect();
          },
        },
      ];
      return participants;
    } catch (err) {
      closed[0] = closed[1] = true;
      visitor.disconnect();
      if (agent && conversationId) {
        agent.conversations.delete(conversationId);
        if (agent.conversations.size === 0) agent.socket.disconnect();
      }
      throw err;
    }
  },
};

export const productMessagingSetup: MessagingAdapterSetup = {
  async prepare({ urls, databaseEnv, conversations }) {
    const url = urls[0]!;
    const count =
      conversations === undefined ? DEFAULT_AGENTS : Math.max(1, Math.ceil(conversations / CONVERSATIONS_PER_AGENT));
    // Runner-only modules, loaded here so load-generator workers stay small.
    const { runCli } = await import('../../test/harness/run-cli.js');
    const { productEnvOf } = await import('../lib/servers.js');
    const run = nonce();
    const password = `bench-${randomBytes(12).toString('hex')}`;
    const admin = `bench-admin-${run}`;
    // The first admin as an operator creates it (production hashing cost, the benchmark's own keys).
    const cli = await runCli(
      [
        'create-admin',
        admin,
        `${admin}@bench.example`,
        password,
        'Bench',
        'Operator',
        'Benchmark',
        'Computing',
        '--force',
      ],
      productEnvOf(databaseEnv, { PASSWORD_HASH_MEMORY_KIB: '19456', PASSWORD_HASH_TIME_COST: '2' }),
    );
    if (cli.code !== 0) throw new Error(`create-admin failed (${cli.code}): ${cli.stderr || cli.stdout}`);
    const login = (name: string) =>
      api<{ token: string; me: { id: string } }>(url, '/api/staff/login', {
        login: name,
        password,
        transport: 'bearer',
      });
    const { token: adminToken } = await login(admin);
    const agents: { id: string; token: string }[] = new Array(count);
    const failures: string[] = [];
    await forEachBounded(count, 4, async (i) => {
      try {
        const username = `bench-agent-${run}-${i}`;
        await api(
          url,
          '/api/admin/users',
          {
            role: 'agent',
            username,
            email: `${username}@bench.example`,
            firstName: 'Dana',
            lastName: `Desk ${benchSurname(i)}`,
            jobTitle: 'Benchmark',
            departments: ['Computing'],
            password,
          },
          { token: adminToken, expect: 201 },
        );
        const { token, me } = await login(username);
        agents[i] = { id: me.id, token };
      } catch (err) {
        failures.push((err as Error).message);
      }
    });
    if (failures.length) throw new Error(`could not prepare ${failures.length}/${count} agents: ${failures[0]}`);
    return { agents, perAgent: CONVERSATIONS_PER_AGENT } satisfies ProductPrepared;
  },

  async countStored({ databaseEnv }, ackedIds) {
    const { loadConfig } = await import('../../src/config/config.js');
    const { createLogger } = await import('../../src/core/logger.js');
    const { createDb } = await import('../../src/db/database.js');
    const config = loadConfig({ ...databaseEnv }, { envFile: false });
    const handle = createDb(config.database, createLogger('silent'));
    const counts = new Map<string, number>();
    try {
      for (let i = 0; i < ackedIds.length; i += 500) {
        const chunk = ackedIds.slice(i, i + 500);
        const rows = await handle.db
          .selectFrom('messages')
          .select(['id', 'conversationId', 'authorId', 'clientMsgId'])
          .where('id', 'in', chunk)
          .execute();
        const keyOf = (r: { conversationId: string; authorId: string | null; clientMsgId: string | null }) =>
          `${r.conversationId}\u0000${r.authorId ?? ''}\u0000${r.clientMsgId ?? ''}`;
        // Every row sharing a stored message's (conversation, author, client id): the message and any copy of it.
        const clientIds = [...new Set(rows.map((r) => r.clientMsgId).filter((c): c is string => c !== null))];
        const conversationIds = [...new Set(rows.map((r) => r.conversationId))];
        const copies = new Map<string, number>();
        if (clientIds.length) {
          const groups = await handle.db
            .selectFrom('messages')
            .select(['conversationId', 'authorId', 'clientMsgId', (eb) => eb.fn.countAll<number>().as('n')])
            .where('clientMsgId', 'in', clientIds)
            .where('conversationId', 'in', conversationIds)
            .groupBy(['conversationId', 'authorId', 'clientMsgId'])
            .execute();
          for (const g of groups) copies.set(keyOf(g), Number(g.n));
        }
        for (const id of chunk) counts.set(id, 0);
        for (const r of rows) counts.set(r.id, r.clientMsgId === null ? 1 : (copies.get(keyOf(r)) ?? 1));
      }
    } finally {
      await handle.close();
    }
    return counts;
  },
};
