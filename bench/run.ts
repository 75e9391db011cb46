/**
 * `npm run bench [-- options]`: runs the benchmark scenarios against the built server (`npm run build` first),
 * beside the bare `ws` relay in the same run, prints a Markdown table and writes JSON (every raw figure) to
 * bench/results/<timestamp>[-quick].json and the table to bench/results/latest.md. No timing assertions:
 * figures are for people. See docs/benchmarks.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/core/paths.js';
import { postgresAvailable } from '../test/harness/postgres.js';
import { describeMachine } from './lib/machine.js';
import { BENCH_LIMITS, BENCH_SETTINGS, type Dialect } from './lib/servers.js';
import { SCENARIOS } from './scenarios/index.js';
import type { ScenarioContext, ScenarioOutcome } from './scenarios/types.js';

const HELP = `Usage: npm run bench -- [options]

  --quick               small sizes and short runs: everything in about two minutes
  --scenario NAME       run only this scenario (repeatable): ${SCENARIOS.map((s) => s.name).join(', ')}
  --no-postgres         SQLite only (PostgreSQL is also skipped, loudly, when unreachable outside CI)
  --repeats N           repeats per target (idle 3, quick 1; cold-start 10, quick 3; landing 20
                        samples, quick 5; chat, throughput, two-instances, reconnect-storm 2, quick 1)
  --idle-sockets N      sockets per target in the idle scenario (default 15000, quick 2000)
  --chat-pairs N[,N]    conversation counts of the chat scenario (default 1000,2000 plus knee steps,
                        quick 60; given sizes run without knee steps)
  --storm-clients N     clients of the reconnect-storm scenario (default 10000, quick 200)
  --out DIR             where to write results (default bench/results)
  --no-kill             throughput without its kill -9 (servers stop with SIGTERM, so a CPU profile
                        from BENCH_SERVER_NODE_ARGS="--cpu-prof …" is written); no stored-once verdict
  --help

Scenarios:
${SCENARIOS.map((s) => `  ${s.name.padEnd(12)} ${s.description}`).join('\n')}
`;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scenario: { type: 'string', multiple: true },
    'no-postgres': { type: 'boolean', default: false },
    repeats: { type: 'string' },
    'idle-sockets': { type: 'string' },
    'chat-pairs': { type: 'string' },
    'storm-clients': { type: 'string' },
    out: { type: 'string' },
    'no-kill': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`--${name} must be a whole number ≥ 1, got "${value}"\n`);
    process.exit(2);
  }
  return n;
}

const unknown = (values.scenario ?? []).filter((name) => !SCENARIOS.some((s) => s.name === name));
if (unknown.length) {
  process.stderr.write(`Unknown scenario ${unknown.join(', ')}.\n\n${HELP}`);
  process.exit(2);
}
const selected = values.scenario?.length ? SCENARIOS.filter((s) => values.scenario!.includes(s.name)) : SCENARIOS;
const quick = values.quick;
const postgres = !values['no-postgres'] && (await postgresAvailable());
const dialects: Dialect[] = postgres ? ['sqlite', 'postgres'] : ['sqlite'];
const chatPairs = values['chat-pairs']?.split(',').map((v) => positive('chat-pairs', v.trim())!);
const idleSockets = positive('idle-sockets', values['idle-sockets']);
const stormClients = positive('storm-clients', values['storm-clients']);
const ctx: ScenarioContext = {
  quick,
  repeats: positive('repeats', values.repeats),
  dialects,
  sizes: {
    ...(idleSockets ? { idleSockets } : {}),
    ...(chatPairs ? { chatPairs } : {}),
    ...(stormClients ? { stormClients } : {}),
  },
  noKill: values['no-kill'],
  log: (line) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`),
};

const startedAt = new Date();
const machine = describeMachine();
const outcomes: Record<string, ScenarioOutcome | { error: string }> = {};
let failed = false;
for (const scenario of selected) {
  const t0 = performance.now();
  ctx.log(`${scenario.name}: start`);
  try {
    outcomes[scenario.name] = await scenario.run(ctx);
  } catch (err) {
    failed = true;
    outcomes[scenario.name] = { error: (err as Error).stack ?? String(err) };
    ctx.log(`${scenario.name}: FAILED: ${(err as Error).message}`);
  }
  ctx.log(`${scenario.name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const finishedAt = new Date();

const limits = machine.fileLimits;
const command = `npm run bench --${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
const lines = [
  `# Support Central benchmarks (${startedAt.toISOString()}${quick ? ', quick run' : ''})`,
  '',
  `Command: \`${command}\` — ${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(0)} s.`,
  `Machine: ${machine.cpuCount} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ` +
    `${machine.platform}; load average ${machine.loadAverage1m} at start; open files per process ` +
    `${limits.soft} (hard ${limits.hard}), system ${limits.fileMax ?? '?'}; ephemeral ports ${machine.ephemeralPorts ?? '?'}.`,
  `Product: built server, ${dialects.join(' and ')}; ${Object.entries(BENCH_SETTINGS)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}; rate limits ${Object.entries(BENCH_LIMITS)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}.`,
  ...(postgres || values['no-postgres'] ? [] : ['**PostgreSQL unreachable: SQLite only.**']),
];
for (const scenario of selected) {
  const outcome = outcomes[scenario.name]!;
  lines.push('');
  if ('error' in outcome) {
    lines.push(`## ${scenario.name}: FAILED`, '', '```', outcome.error.split('\n').slice(0, 8).join('\n'), '```');
    continue;
  }
  lines.push(...outcome.markdown);
  if (outcome.notes.length) lines.push('', ...outcome.notes.map((n) => `- ${n}`));
}
const table = lines.join('\n');
process.stdout.write(`${table}\n`);

const dir = values.out
  ? isAbsolute(values.out)
    ? values.out
    : resolve(values.out)
  : join(projectRoot(), 'bench', 'results');
mkdirSync(dir, { recursive: true });
const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
const jsonFile = join(dir, `${stamp}${quick ? '-quick' : ''}.json`);
writeFileSync(
  jsonFile,
  JSON.stringify(
    {
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      command,
      quick,
      repeats: ctx.repeats ?? 'default',
      dialects,
      machine,
      product: { settings: BENCH_SETTINGS, limits: BENCH_LIMITS },
      scenarios: outcomes,
    },
    null,
    2,
  ),
);
writeFileSync(join(dir, 'latest.md'), `${table}\n`);
ctx.log(`wrote ${jsonFile} and ${join(dir, 'latest.md')}`);
process.exit(failed ? 1 : 0);
