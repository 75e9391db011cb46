import type { Dialect } from '../lib/servers.js';

/** What the runner gives every scenario. */
export interface ScenarioContext {
  quick: boolean;
  /** Repeats asked with --repeats, or undefined for the scenario's default. */
  repeats: number | undefined;
  /** Databases to run the product on: sqlite, and postgres unless --no-postgres or unreachable. */
  dialects: readonly Dialect[];
  /** Size overrides from the command line (e.g. --idle-sockets 200 for the CI smoke). */
  sizes: { idleSockets?: number; chatPairs?: number[]; stormClients?: number };
  /** --no-kill: throughput stops its servers with SIGTERM instead of kill -9 (so `--cpu-prof` writes a profile). */
  noKill?: boolean;
  /** Progress lines (stderr), so stdout keeps only the table. */
  log(line: string): void;
}

export interface ScenarioOutcome {
  /** Everything that shaped the run (sizes, durations, rates, settings). */
  config: Record<string, unknown>;
  /** Every raw measurement, one entry per run (target × repeat). */
  runs: unknown[];
  /** Medians over repeats and ratios to the relay, as shown in the table. */
  summary: unknown;
  /** This scenario's section of the Markdown report. */
  markdown: string[];
  /** Things a reader must know (scaled sizes, missing targets, failures). */
  notes: string[];
}

export interface Scenario {
  name: string;
  /** One line for --help and the report. */
  description: string;
  run(ctx: ScenarioContext): Promise<ScenarioOutcome>;
}

/** Targets in a different order each repeat, so slow drift of the shared host does not favour one of them. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  const k = items.length ? by % items.length : 0;
  return [...items.slice(k), ...items.slice(0, k)];
}

export const fmt = {
  int: (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—'),
  num: (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '—'),
  ms: (n: number) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms` : '—'),
  mib: (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : '—'),
  ratio: (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '—'),
};

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
