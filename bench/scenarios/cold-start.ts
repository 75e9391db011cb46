/**
 * Cold start: time from spawning the built server (`node dist/server/main.js`, directly: no shell in between) to
 * the first `/readyz` 200, on an empty database (first start, migrations included) and on the same database
 * again (a restart). Target ≤ 1 s. Same environment as the other scenarios (production mode, ENCRYPTION_KEYS,
 * the benchmark rate limits).
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { BUILT_SERVER, assertBuilt } from '../../test/harness/spawn-server.js';
import { freePort } from '../../test/harness/private-services.js';
import { createProductDatabase, productEnv, type Dialect, type ProductDatabase } from '../lib/servers.js';
import { summarise, type Summary } from '../lib/stats.js';
import { fmt, type Scenario } from './types.js';

async function timeToReady(database: ProductDatabase): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [BUILT_SERVER], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...productEnv(database, { PORT: String(port) }),
    },
    stdio: 'ignore',
  });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/readyz`);
        await r.body?.cancel();
        if (r.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
      if (performance.now() - started > 30_000) throw new Error('not ready after 30 s');
      await sleep(5);
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

export interface ColdStartResult {
  dialect: Dialect;
  firstStartMs: Summary;
  restartMs: Summary;
  raw: { firstStartMs: number[]; restartMs: number[] };
}

export const coldStartScenario: Scenario = {
  name: 'cold-start',
  description: 'Spawn → first /readyz 200 of the built server, first start (migrations) and restart',
  async run(ctx) {
    assertBuilt();
    const repeats = ctx.repeats ?? (ctx.quick ? 3 : 10);
    const results: ColdStartResult[] = [];
    for (const dialect of ctx.dialects) {
      const first: number[] = [];
      const restart: number[] = [];
      for (let i = 0; i < repeats; i++) {
        ctx.log(`cold-start: ${dialect} ${i + 1}/${repeats}`);
        const database = await createProductDatabase(dialect);
        try {
          first.push(await timeToReady(database));
          restart.push(await timeToReady(database));
        } finally {
          await database.dispose();
        }
      }
      results.push({
        dialect,
        firstStartMs: summarise(first),
        restartMs: summarise(restart),
        raw: { firstStartMs: first, restartMs: restart },
      });
    }
    return {
      config: { repeats, target: '≤ 1 s', polling: 'GET /readyz every 5 ms' },
      runs: results.map((r) => ({ dialect: r.dialect, ...r.raw })),
      summary: results.map(({ raw: _raw, ...s }) => s),
      markdown: [
        '## Cold start (spawn → first /readyz 200, built server; target ≤ 1 s)',
        '',
        '| database | first start p50 | first start p90 | restart p50 | restart p90 | runs |',
        '|---|---|---|---|---|---|',
        ...results.map(
          (c) =>
            `| ${c.dialect} | ${fmt.ms(c.firstStartMs.p50)} | ${fmt.ms(c.firstStartMs.p90)} | ${fmt.ms(c.restartMs.p50)} | ` +
            `${fmt.ms(c.restartMs.p90)} | ${c.firstStartMs.n} |`,
        ),
      ],
      notes: [],
    };
  },
};
