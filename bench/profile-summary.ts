/**
 * `npm run bench:profile -- FILE.cpuprofile [--messages N] [--top K]`: where a server's CPU time went, from a
 * V8 CPU profile (`BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"`). Each sample is charged to the
 * innermost frame of the stack whose script matches a stage of the send path (socket parse, auth, validation,
 * rate limit, encryption, database, event bus, presenter, emit…), so native work (crypto, JSON, fsync) is charged
 * to the stage that called it. With `--messages N` (acknowledged messages during the profile) it also prints
 * microseconds per message. See docs/benchmarks.md, "Profiling".
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Stages in the order they are tried: the first whose pattern matches a frame's script (or name) wins. */
const STAGES: [stage: string, pattern: RegExp][] = [
  // better-sqlite3 runs statements synchronously inside Kysely's driver call: this is SQLite itself (and the fsync).
  [
    'database: SQLite statements (native, incl. commit fsync)',
    /sqlite-driver\.js executeQuery|better-sqlite3\S* (run|all|get|exec)$/,
  ],
  [
    'sqlite writer (worker thread messaging)',
    /db\/sqlite\/(writer|sqlite-dialect)|db\/sqlite-(writer|worker)|worker_threads|MessagePort/,
  ],
  ['database: better-sqlite3', /better-sqlite3/],
  ['database: pg driver', /node_modules\/(pg|pg-protocol|pg-pool|pg-types)\//],
  ['database: kysely query building', /node_modules\/kysely\//],
  ['send path: message writer', /message-writer|pg-append|sqlite-append/],
  ['encryption', /modules\/keys\/|record-cipher/],
  ['rate limit', /rate-limiter|rate-limiter-flexible/],
  ['redis', /node_modules\/(ioredis|redis-parser|@ioredis)\//],
  ['event bus', /src\/events\/|dist\/server\/events\//],
  ['presenter', /presenter/],
  ['validation (zod)', /node_modules\/zod\//],
  ['socket handlers (realtime)', /\/realtime\//],
  ['conversation service', /modules\/conversations\//],
  ['other services', /\/modules\//],
  ['socket.io parse/encode', /socket\.io-parser|@socket\.io\/component-emitter/],
  ['socket.io/engine.io', /node_modules\/(socket\.io|engine\.io|socket\.io-adapter)\//],
  ['ws (frames, writes)', /node_modules\/ws\//],
  ['http (fastify)', /node_modules\/(fastify|@fastify|light-my-request|find-my-way|avvio)\//],
  ['logging', /node_modules\/(pino|sonic-boom)/],
  ['node internals (net, streams, timers)', /^node:/],
];

function stageOf(stack: ProfileNode[]): string {
  const leaf = stack[0]!.callFrame.functionName;
  if (leaf === '(idle)') return '(idle)';
  if (leaf === '(garbage collector)') return '(garbage collector)';
  if (leaf === '(program)') return '(program: native, outside JS)';
  // Node's own modules (crypto, net, timers) are charged to the innermost caller outside them when there is one.
  for (const skipInternals of [true, false]) {
    for (const node of stack) {
      const where = `${node.callFrame.url} ${node.callFrame.functionName}`;
      if (skipInternals && (node.callFrame.url === '' || node.callFrame.url.startsWith('node:'))) continue;
      for (const [stage, pattern] of STAGES) if (pattern.test(where)) return stage;
    }
  }
  return 'other';
}

const { values, positionals } = parseArgs({
  options: { messages: { type: 'string' }, top: { type: 'string', default: '25' } },
  allowPositionals: true,
});
if (positionals.length !== 1) {
  process.stderr.write('Usage: npm run bench:profile -- FILE.cpuprofile [--messages N] [--top K]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const stageUs = new Map<string, number>();
const selfUs = new Map<string, number>();
let totalUs = 0;
const stackCache = new Map<number, string>();
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  totalUs += dt;
  let stage = stackCache.get(id);
  if (stage === undefined) {
    const stack: ProfileNode[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) stack.push(byId.get(cur)!);
    stage = stageOf(stack);
    stackCache.set(id, stage);
  }
  stageUs.set(stage, (stageUs.get(stage) ?? 0) + dt);
  const f = byId.get(id)!.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|dist)\//, '')}:${f.lineNumber + 1}`;
  selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
});

const messages = values.messages ? Number(values.messages) : undefined;
const busyUs = totalUs - (stageUs.get('(idle)') ?? 0);
const pct = (us: number) => `${((100 * us) / totalUs).toFixed(1)} %`;
const lines = [
  `Profile: ${(totalUs / 1e6).toFixed(2)} s sampled, busy ${pct(busyUs)}` +
    (messages ? `; ${messages} messages → ${(busyUs / messages).toFixed(1)} µs of main-thread CPU per message` : ''),
  '',
  `| stage | share | ${messages ? 'µs / message |' : ''}`,
  `|---|---|${messages ? '---|' : ''}`,
  ...[...stageUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([stage, us]) => `| ${stage} | ${pct(us)} | ${messages ? `${(us / messages).toFixed(1)} |` : ''}`),
  '',
  `Top ${values.top} functions by self time:`,
  '',
  ...[...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(values.top))
    .map(([key, us]) => `  ${pct(us).padStart(7)}  ${key}`),
];
process.stdout.write(`${lines.join('\n')}\n`);
