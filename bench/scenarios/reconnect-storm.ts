/**
 * Reconnect storm: N visitors (10,000; quick 200), each with its own open conversation, connected over the real
 * socket to one product instance; the server process is restarted (SIGTERM: every socket is cut; a new process on
 * the same database and port); while the clients are away agents add messages to a sample of the conversations
 * over HTTP; then every client reconnects at once and resumes with `conversation:sync { after: lastSeq }`.
 * Measured per client from the storm's start: handshake done, resumed (holding everything); and the time until
 * all have resumed. Then no gaps and no duplicates: each client's sequences must be 1…n, n the server's last
 * acknowledged sequence, and what it holds must equal `GET /api/conversations/:id/messages?after=0`.
 *
 * One product database per run (PostgreSQL when reachable, else SQLite): setup (session, conversation, an
 * agent's join, first connect) costs three server requests per client, minutes at 10,000, so it happens once
 * and each repeat is then one cut + outage + storm, the clients of repeat k+1 being those resumed by repeat k. The relay does the
 * same with raw `ws` sockets (restart on the same port, every socket reconnects and rejoins its room at once):
 * it has no history, so its figure is reconnection only.
 */
import { cpus } from 'node:os';
import { ErrorTally } from '../lib/concurrency.js';
import { summariseEncoded, type LatencySummary } from '../lib/histogram.js';
import { fileLimitsOf } from '../lib/machine.js';
import {
  createProductDatabase,
  productEnv,
  startProduct,
  startRelay,
  type ProductDatabase,
  type ServerProcess,
  type TargetName,
  type Dialect,
} from '../lib/servers.js';
import { median, round } from '../lib/stats.js';
import { split, startWorkers, type WorkerPool } from '../lib/workers.js';
import { mergePhase, type PhaseFigures } from '../lib/phase.js';
import type { StormReconnectResult, StormVerifyResult } from '../clients/storm.js';
import { runCli } from '../../test/harness/run-cli.js';
import { benchSurname } from '../lib/names.js';
import { fmt, plural, type Scenario, type ScenarioContext } from './types.js';

/** Files a process needs besides its sockets (modules, database, pipes, logs). */
const FILE_MARGIN = 500;
const AGENT_PASSWORD = 'storm-agent-password-1';

type Phase = PhaseFigures;

const merge = mergePhase;

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await run();
  return { value, ms: performance.now() - t0 };
}

export interface StormRun {
  target: TargetName;
  repeat: number;
  clients: number;
  /** SIGTERM → process gone, and → the last client saw its disconnect; new process spawn → /readyz. */
  stopMs: number;
  lastDisconnectMs: number;
  notCut: number;
  restartMs: number;
  /** During the outage (product): conversations that got messages, and the agents' posts. */
  posted?: Phase & { conversations: number };
  /** Runner's wall time from "reconnect" to every worker done: the time until all clients resumed (or gave up). */
  timeToAllMs: number;
  resumed: number;
  failed: number;
  retries: number;
  caughtUp: number;
  multiPage: number;
  errors: Record<string, number>;
  handshakeMs: LatencySummary;
  resumeMs: LatencySummary;
  /** Per worker, CPU used during the storm as a share of one core. */
  clientCpuShare: number[];
  verify?: Omit<StormVerifyResult, 'checkErrors'> & { checkErrors: Record<string, number> };
  serverRssAfterBytes: number;
}

export interface StormSetup {
  target: TargetName;
  agents: number;
  agentsMs: number;
  sessions?: Phase;
  connect: Phase;
}

/** Agents for the storm: created with the built CLI (as an operator would), signed in with bearer tokens. */
async function createAgents(database: ProductDatabase, url: string, count: number): Promise<string[]> {
  // The CLI reads the same configuration as the server; production refuses weak password hashing, so say it.
  const env = { ...productEnv(database), PASSWORD_HASH_MEMORY_KIB: '19456', PASSWORD_HASH_TIME_COST: '2' };
  const tag = Math.random().toString(36).slice(2, 8);
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const username = `storm-agent-${tag}-${i}`;
      const cli = await runCli(
        [
          'create-user',
          '--role',
          'agent',
          '--username',
          username,
          '--email',
          `${username}@bench.example`,
          '--password-stdin',
          '--first',
          'Storm',
          '--last',
          `Helper ${benchSurname(i)}`,
        ],
        env,
        `${AGENT_PASSWORD}\n`,
      );
      if (cli.code !== 0) throw new Error(`create-user failed: ${cli.stderr.trim()}`);
      const r = await fetch(`${url}/api/staff/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: url },
        body: JSON.stringify({ login: username, password: AGENT_PASSWORD, transport: 'bearer' }),
      });
      const body = (await r.json()) as { token?: string; error?: { code: string } };
      if (!body.token) throw new Error(`staff login: HTTP ${r.status} ${body.error?.code ?? ''}`);
      return body.token;
    }),
  );
}

interface StormParams {
  clients: number;
  repeats: number;
  agents: number;
  /** Every `postEvery`-th conversation gets `messagesPerPost` messages during each outage (another sample each time). */
  postEvery: number;
  messagesPerPost: number;
  /** Every `checkEvery`-th client (plus every one that got messages) is compared with the server's history. */
  checkEvery: number;
  setupConcurrency: number;
  connectConcurrency: number;
  postConcurrency: number;
  verifyConcurrency: number;
  syncLimit: number;
  handshakeTimeoutMs: number;
  stormTimeoutMs: number;
}

export const reconnectStormScenario: Scenario = {
  name: 'reconnect-storm',
  description: 'N visitors with open conversations, server restarted, all reconnect at once and resume: time to all',
  async run(ctx) {
    const notes: string[] = [];
    const wanted = ctx.sizes.stormClients ?? (ctx.quick ? 200 : 10_000);
    const own = fileLimitsOf();
    let clients = wanted;
    if (wanted + FILE_MARGIN > own.hard) {
      clients = own.hard - FILE_MARGIN;
      notes.push(
        `Scaled from ${wanted} to ${clients} clients: a process may open at most ${own.hard} files here ` +
          `(the server needs one per socket plus ~${FILE_MARGIN}).`,
      );
    }
    const params: StormParams = {
      clients,
      repeats: ctx.repeats ?? (ctx.quick ? 1 : 2),
      agents: ctx.quick ? 1 : 4,
      postEvery: 20,
      messagesPerPost: 2,
      checkEvery: ctx.quick ? 1 : 20,
      setupConcurrency: 8,
      connectConcurrency: 32,
      postConcurrency: 8,
      verifyConcurrency: 8,
      syncLimit: 200,
      handshakeTimeoutMs: 60_000,
      stormTimeoutMs: ctx.quick ? 60_000 : 180_000,
    };
    const workers = Math.max(2, cpus().length, Math.ceil(clients / 5_000));
    const pool = await startWorkers(workers);
    const runs: StormRun[] = [];
    const setups: StormSetup[] = [];
    // Every database, as the issue asks: setting up a client takes three server requests (session, conversation,
    // an agent's join: ~40–50 clients/s on the 2-core VM), so 10,000 clients cost a few minutes per database.
    const targets: ('relay' | Dialect)[] = ['relay', ...ctx.dialects];
    try {
      for (const target of targets) {
        try {
          const out =
            target === 'relay' ? await relayStorm(ctx, pool, params) : await productStorm(ctx, pool, target, params);
          setups.push(out.setup);
          runs.push(...out.runs);
        } catch (err) {
          notes.push(`${target}: FAILED: ${(err as Error).message.split('\n')[0]}`);
          ctx.log(`reconnect-storm: ${target} failed: ${(err as Error).stack ?? String(err)}`);
        }
      }
    } finally {
      await pool.close();
    }
    if (!runs.some((r) => r.target !== 'relay')) throw new Error(`no product run completed: ${notes.join(' ')}`);

    for (const s of setups) {
      if ((s.sessions?.failed ?? 0) + s.connect.failed > 0) {
        notes.push(
          `${s.target} setup: ${s.sessions?.failed ?? 0} visitors not created, ${s.connect.failed} not connected ` +
            `(${JSON.stringify({ ...s.sessions?.errors, ...s.connect.errors })}); the storm used the others.`,
        );
      }
    }
    for (const r of runs) {
      const v = r.verify;
      const bad = v ? v.gaps + v.behind + v.duplicates + v.conflicts + v.misdelivered + v.mismatched : 0;
      if (r.failed || r.notCut || bad || (v && Object.keys(v.checkErrors).length) || (r.posted?.failed ?? 0)) {
        notes.push(
          `${r.target} repeat ${r.repeat + 1}: ${r.failed} clients did not resume, ${r.notCut} were not cut` +
            (v
              ? `; ${v.gaps} with a gap, ${v.behind} behind the server, ${v.duplicates} duplicates, ${v.conflicts} ` +
                `conflicting sequences, ${v.misdelivered} misdelivered, ${v.mismatched}/${v.checked} differ from the ` +
                `server's history`
              : '') +
            (r.posted?.failed ? `; ${r.posted.failed} outage posts failed` : '') +
            `; errors ${JSON.stringify({ ...r.errors, ...v?.checkErrors, ...r.posted?.errors })}.`,
        );
      } else if (r.retries) {
        notes.push(
          `${r.target} repeat ${r.repeat + 1}: every client resumed, after ${r.retries} retried attempts ` +
            `(${JSON.stringify(r.errors)}).`,
        );
      }
    }

    const summary = summarise(runs, targets);
    const checked = ctx.quick
      ? 'every client'
      : `every ${params.checkEvery}th client and every client that got messages`;
    const markdown = [
      `## Reconnect storm (${fmt.int(clients)} clients per target, server restarted, all reconnect at once, ` +
        `${plural(params.repeats, 'repeat')})`,
      '',
      'Product: each client a visitor with an open (agent-joined) conversation; SIGTERM, a new process on the same ' +
        `database and port, then agents post ${params.messagesPerPost} messages to every ${params.postEvery}th ` +
        'conversation over HTTP (acknowledged before anyone is back); then every client reconnects at once (no ' +
        "pacing; retries with socket.io-client's backoff) and resumes with `conversation:sync { after: lastSeq }`. " +
        '**Resumed** = handshake done and the sync answered (the client holds everything), per client from the ' +
        "storm's start; **time to all** = until the last one. The relay has no history and no resume: its row is " +
        'reconnect + rejoin only, so × relay compares a full resume with a bare reconnection. Medians of repeats.',
      '',
      '| target | resumed | handshake p50 / p99 | resumed p50 / p90 / p99 / max | time to all | × relay p99 / all | caught up | retries | gaps / dups / differ (checked) | cut | restart | client CPU |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...summary.map(
        (s) =>
          `| ${s.target} | ${fmt.int(s.resumed)}/${fmt.int(s.clients)} | ${fmt.ms(s.handshakeP50)} / ${fmt.ms(s.handshakeP99)} | ` +
          `${fmt.ms(s.resumeP50)} / ${fmt.ms(s.resumeP90)} / ${fmt.ms(s.resumeP99)} / ${fmt.ms(s.resumeMax)} | ` +
          `${fmt.ms(s.timeToAll)} | ${s.target === 'relay' ? '1 / 1' : `${fmt.ratio(s.p99Ratio)} / ${fmt.ratio(s.allRatio)}`} | ` +
          `${s.target === 'relay' ? '—' : fmt.int(s.caughtUp)} | ${fmt.int(s.retries)} | ` +
          `${s.target === 'relay' ? '—' : `${fmt.int(s.gaps)} / ${fmt.int(s.duplicates)} / ${fmt.int(s.mismatched)} (${fmt.int(s.checked)})`} | ` +
          `${fmt.ms(s.lastDisconnect)} | ${fmt.ms(s.restart)} | ${fmt.num(s.clientCpu, 2)} |`,
      ),
      '',
      `"caught up" = messages the resume syncs brought (per repeat); "gaps / dups / differ": clients whose sequences ` +
        `have a hole or stop short of the server's last acknowledged one, messages received twice, and clients whose ` +
        `messages differ from \`GET /api/conversations/:id/messages?after=0\` (checked: ${checked}). "cut" = SIGTERM ` +
        '→ the last client saw its disconnect; "restart" = spawn → `/readyz` 200 of the new process; "client CPU" = ' +
        'the busiest load-generator worker during the storm, in cores (near 1: the clients, not the server, set the pace).',
      '',
      `Setup (once per target): ${setups
        .map(
          (s) =>
            `${s.target} ${s.sessions ? `${fmt.int(s.sessions.ok)} visitors + conversations + joins at ${fmt.int(s.sessions.perSecond)}/s, ` : ''}` +
            `${fmt.int(s.connect.ok)} connected at ${fmt.int(s.connect.perSecond)}/s`,
        )
        .join('; ')}.`,
    ];
    return {
      config: {
        ...params,
        requestedClients: wanted,
        workers,
        order: targets,
        cut: 'SIGTERM, restart on the same port',
      },
      runs: [...setups.map((s) => ({ phase: 'setup', ...s })), ...runs.map((r) => ({ phase: 'storm', ...r }))],
      summary,
      markdown,
      notes,
    };
  },
};

async function cutAndRestart(
  pool: WorkerPool,
  server: ServerProcess,
  restart: (port: number) => Promise<ServerProcess>,
): Promise<{ server: ServerProcess; stopMs: number; lastDisconnectMs: number; notCut: number; restartMs: number }> {
  const port = Number(new URL(server.url).port);
  await pool.all('storm.cut', () => undefined, 10_000);
  const stop = await timed(() => server.stop());
  const cut = await pool.all('storm.awaitCut', () => ({ timeoutMs: 30_000 }), 60_000);
  const started = await timed(() => restart(port));
  return {
    server: started.value,
    stopMs: round(stop.ms),
    lastDisconnectMs: round(Math.max(...cut.map((c) => c.lastDisconnectMs))),
    notCut: cut.reduce((s, c) => s + c.stillOpen, 0),
    restartMs: round(started.ms),
  };
}

function stormFigures(results: StormReconnectResult[], wallMs: number) {
  return {
    timeToAllMs: round(wallMs),
    resumed: results.reduce((s, r) => s + r.resumed, 0),
    failed: results.reduce((s, r) => s + r.failed, 0),
    retries: results.reduce((s, r) => s + r.retries, 0),
    caughtUp: results.reduce((s, r) => s + r.caughtUp, 0),
    multiPage: results.reduce((s, r) => s + r.multiPage, 0),
    errors: ErrorTally.merge(results.map((r) => r.errors)),
    handshakeMs: summariseEncoded(results.map((r) => r.handshake)),
    resumeMs: summariseEncoded(results.map((r) => r.resume)),
    clientCpuShare: results.map((r) => round(r.cpuShare, 2)),
  };
}

async function productStorm(
  ctx: ScenarioContext,
  pool: WorkerPool,
  dialect: 'sqlite' | 'postgres',
  p: StormParams,
): Promise<{ setup: StormSetup; runs: StormRun[] }> {
  const database = await createProductDatabase(dialect);
  let server: ServerProcess | undefined;
  try {
    server = await startProduct(database);
    const url = server.url;
    const agents = await timed(() => createAgents(database, url, p.agents));
    const shares = split(p.clients, pool.size);
    const firstIndex = shares.map((_, i) => shares.slice(0, i).reduce((a, b) => a + b, 0));
    ctx.log(`reconnect-storm: ${dialect}: creating ${p.clients} visitors, conversations and joins`);
    const sessions = await timed(() =>
      pool.all(
        'storm.setup',
        (i) => ({
          url,
          count: shares[i]!,
          firstIndex: firstIndex[i]!,
          concurrency: p.setupConcurrency,
          staffTokens: agents.value,
        }),
        900_000,
      ),
    );
    const connect = await timed(() =>
      pool.all(
        'storm.connect',
        () => ({ url, concurrency: p.connectConcurrency, timeoutMs: p.handshakeTimeoutMs }),
        900_000,
      ),
    );
    const setup: StormSetup = {
      target: dialect,
      agents: p.agents,
      agentsMs: round(agents.ms),
      sessions: merge(sessions.value, sessions.ms),
      connect: merge(connect.value, connect.ms),
    };
    ctx.log(
      `reconnect-storm: ${dialect}: ${setup.sessions!.ok} visitors in ${Math.round(sessions.ms)} ms, ` +
        `${setup.connect.ok} connected in ${Math.round(connect.ms)} ms`,
    );
    const runs: StormRun[] = [];
    for (let repeat = 0; repeat < p.repeats; repeat++) {
      ctx.log(`reconnect-storm: ${dialect}, repeat ${repeat + 1}/${p.repeats}: cut`);
      const cut = await cutAndRestart(pool, server, (port) => startProduct(database, { port }));
      server = cut.server;
      const posted = await timed(() =>
        pool.all(
          'storm.post',
          () => ({
            url,
            every: p.postEvery,
            offset: repeat,
            messages: p.messagesPerPost,
            concurrency: p.postConcurrency,
          }),
          600_000,
        ),
      );
      ctx.log(`reconnect-storm: ${dialect}, repeat ${repeat + 1}/${p.repeats}: storm`);
      const storm = await timed(() =>
        pool.all(
          'storm.reconnect',
          () => ({ timeoutMs: p.stormTimeoutMs, handshakeTimeoutMs: p.handshakeTimeoutMs, syncLimit: p.syncLimit }),
          p.stormTimeoutMs + 60_000,
        ),
      );
      const serverRssAfterBytes = server.rss();
      const verified = await pool.all(
        'storm.verify',
        () => ({
          url,
          checkEvery: p.checkEvery,
          postedEvery: p.postEvery,
          postedOffset: repeat,
          concurrency: p.verifyConcurrency,
        }),
        600_000,
      );
      const sum = (f: (v: StormVerifyResult) => number) => verified.reduce((s, v) => s + f(v), 0);
      const run: StormRun = {
        target: dialect,
        repeat,
        clients: storm.value.reduce((s, r) => s + r.clients, 0),
        ...cut,
        posted: {
          ...merge(posted.value, posted.ms),
          conversations: posted.value.reduce((s, r) => s + r.conversations, 0),
        },
        ...stormFigures(storm.value, storm.ms),
        verify: {
          clients: sum((v) => v.clients),
          gaps: sum((v) => v.gaps),
          behind: sum((v) => v.behind),
          duplicates: sum((v) => v.duplicates),
          conflicts: sum((v) => v.conflicts),
          misdelivered: sum((v) => v.misdelivered),
          checked: sum((v) => v.checked),
          mismatched: sum((v) => v.mismatched),
          messagesHeld: sum((v) => v.messagesHeld),
          checkErrors: ErrorTally.merge(verified.map((v) => v.checkErrors)),
        },
        serverRssAfterBytes,
      };
      ctx.log(
        `reconnect-storm: ${dialect}, repeat ${repeat + 1}: ${run.resumed}/${run.clients} resumed, all in ` +
          `${Math.round(run.timeToAllMs)} ms (p99 ${run.resumeMs.p99} ms), ${run.caughtUp} messages caught up`,
      );
      runs.push(run);
    }
    return { setup, runs };
  } finally {
    await pool.all('storm.close', () => undefined, 60_000).catch(() => undefined);
    await server?.stop();
    await database.dispose();
  }
}

async function relayStorm(
  ctx: ScenarioContext,
  pool: WorkerPool,
  p: StormParams,
): Promise<{ setup: StormSetup; runs: StormRun[] }> {
  let server: ServerProcess | undefined = await startRelay();
  try {
    const shares = split(p.clients, pool.size);
    const url = server.url;
    const connect = await timed(() =>
      pool.all(
        'storm.relayConnect',
        (i) => ({ url, count: shares[i]!, concurrency: p.connectConcurrency, timeoutMs: p.handshakeTimeoutMs }),
        600_000,
      ),
    );
    const setup: StormSetup = { target: 'relay', agents: 0, agentsMs: 0, connect: merge(connect.value, connect.ms) };
    const runs: StormRun[] = [];
    for (let repeat = 0; repeat < p.repeats; repeat++) {
      ctx.log(`reconnect-storm: relay, repeat ${repeat + 1}/${p.repeats}`);
      const cut = await cutAndRestart(pool, server, (port) => startRelay({ port }));
      server = cut.server;
      const storm = await timed(() =>
        pool.all(
          'storm.relayReconnect',
          () => ({ url, timeoutMs: p.stormTimeoutMs, handshakeTimeoutMs: p.handshakeTimeoutMs }),
          p.stormTimeoutMs + 60_000,
        ),
      );
      runs.push({
        target: 'relay',
        repeat,
        clients: storm.value.reduce((s, r) => s + r.clients, 0),
        ...cut,
        ...stormFigures(storm.value, storm.ms),
        serverRssAfterBytes: server.rss(),
      });
    }
    return { setup, runs };
  } finally {
    await pool.all('storm.close', () => undefined, 60_000).catch(() => undefined);
    await server?.stop();
  }
}

function summarise(runs: StormRun[], targets: TargetName[]) {
  const relay = new Map(runs.filter((r) => r.target === 'relay').map((r) => [r.repeat, r]));
  return targets
    .filter((t) => runs.some((r) => r.target === t))
    .map((target) => {
      const mine = runs.filter((r) => r.target === target);
      const m = (f: (r: StormRun) => number) => median(mine.map(f));
      const ratio = (f: (r: StormRun) => number) =>
        round(median(mine.map((r) => f(r) / (relay.has(r.repeat) ? f(relay.get(r.repeat)!) : NaN))), 2);
      const total = (f: (r: StormRun) => number) => mine.reduce((s, r) => s + f(r), 0);
      return {
        target,
        runs: mine.length,
        clients: m((r) => r.clients),
        resumed: m((r) => r.resumed),
        handshakeP50: m((r) => r.handshakeMs.p50),
        handshakeP99: m((r) => r.handshakeMs.p99),
        resumeP50: m((r) => r.resumeMs.p50),
        resumeP90: m((r) => r.resumeMs.p90),
        resumeP99: m((r) => r.resumeMs.p99),
        resumeMax: m((r) => r.resumeMs.max),
        timeToAll: m((r) => r.timeToAllMs),
        p99Ratio: ratio((r) => r.resumeMs.p99),
        allRatio: ratio((r) => r.timeToAllMs),
        caughtUp: m((r) => r.caughtUp),
        retries: total((r) => r.retries),
        gaps: total((r) => (r.verify ? r.verify.gaps + r.verify.behind : 0)),
        duplicates: total((r) => (r.verify ? r.verify.duplicates + r.verify.conflicts : 0)),
        mismatched: total((r) => r.verify?.mismatched ?? 0),
        checked: total((r) => r.verify?.checked ?? 0),
        lastDisconnect: m((r) => r.lastDisconnectMs),
        restart: m((r) => r.restartMs),
        clientCpu: m((r) => Math.max(...r.clientCpuShare)),
      };
    });
}
