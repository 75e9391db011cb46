/**
 * CI smoke of `npm run bench`: a quick run of the idle scenario at a small size and of cold-start with one
 * repeat, then a tiny chat and the quick closed-loop throughput with its kill -9, each into a temporary folder.
 * Asserts only that results were produced with sane shapes (finite numbers, files written) — timing is never
 * asserted — and one correctness verdict: after kill -9 and a restart, every acknowledged message is stored
 * exactly once. Needs the built server (`npm run build`, as `npm test` does).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../src/core/paths.js';
import { assertBuilt } from '../test/harness/spawn-server.js';

const SOCKETS = 200;
const PAIRS = 20;
const out = mkdtempSync(join(tmpdir(), 'sc-bench-smoke-'));
const messagingOut = mkdtempSync(join(tmpdir(), 'sc-bench-smoke-messaging-'));
afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(messagingOut, { recursive: true, force: true });
});

const finite = (n: unknown) => typeof n === 'number' && Number.isFinite(n);

function bench(args: string[], timeout: number) {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', join(projectRoot(), 'bench', 'run.ts'), ...args], {
    cwd: projectRoot(),
    maxBuffer: 16 * 1024 * 1024,
    timeout,
  });
}

describe('npm run bench (smoke)', () => {
  it('writes JSON and Markdown results for idle and cold-start', { timeout: 120_000 }, async () => {
    assertBuilt();
    const args = ['--quick', '--scenario', 'idle', '--scenario', 'cold-start'];
    const { stdout } = await bench(
      [...args, '--idle-sockets', String(SOCKETS), '--repeats', '1', '--out', out],
      110_000,
    );

    const files = readdirSync(out);
    const jsonFile = files.find((f) => f.endsWith('-quick.json'));
    expect(jsonFile).toBeDefined();
    expect(files).toContain('latest.md');
    const markdown = readFileSync(join(out, 'latest.md'), 'utf8');
    expect(stdout).toContain('## Idle sockets');
    expect(markdown).toContain('## Idle sockets');
    expect(markdown).toContain('## Cold start');

    const result = JSON.parse(readFileSync(join(out, jsonFile!), 'utf8'));
    expect(result.machine.cpuCount).toBeGreaterThan(0);
    expect(finite(result.machine.fileLimits.soft) || result.machine.fileLimits.soft === null).toBe(true);
    expect(result.product.limits.LIMIT_VISITOR_SESSIONS_PER_IP_PER_HOUR).toMatch(/^\d+$/);
    const dialects: string[] = result.dialects;
    expect(dialects).toContain('sqlite');

    const idle = result.scenarios.idle;
    expect(idle.error).toBeUndefined();
    expect(idle.summary.map((s: { target: string }) => s.target)).toEqual(['relay', ...dialects]);
    expect(idle.runs).toHaveLength(1 + dialects.length);
    for (const run of idle.runs) {
      expect(run.connect.ok).toBe(SOCKETS);
      expect(run.stillOpen).toBe(SOCKETS);
      for (const n of [run.perSocketKiB, run.rssBeforeBytes, run.rssAfterBytes, run.connect.perSecond]) {
        expect(finite(n)).toBe(true);
      }
      expect(finite(run.connect.latency.p99)).toBe(true);
      if (run.target !== 'relay') expect(run.sessions.ok).toBe(SOCKETS);
    }
    for (const s of idle.summary) expect(finite(s.target === 'relay' ? s.perSocketKiB : s.ratio)).toBe(true);

    const cold = result.scenarios['cold-start'];
    expect(cold.error).toBeUndefined();
    expect(cold.summary).toHaveLength(dialects.length);
    for (const s of cold.summary) {
      expect(finite(s.firstStartMs.p50)).toBe(true);
      expect(finite(s.restartMs.p50)).toBe(true);
    }
  });

  it(
    'runs chat and closed-loop throughput against the relay and the product, and survives kill -9',
    { timeout: 120_000 },
    async () => {
      assertBuilt();
      const { stdout } = await bench(
        [
          '--quick',
          '--scenario',
          'chat',
          '--scenario',
          'throughput',
          '--chat-pairs',
          String(PAIRS),
          '--repeats',
          '1',
          '--out',
          messagingOut,
        ],
        110_000,
      );
      expect(stdout).toContain('## Chats');
      expect(stdout).toContain('## Throughput');
      const jsonFile = readdirSync(messagingOut).find((f) => f.endsWith('-quick.json'));
      expect(jsonFile).toBeDefined();
      const result = JSON.parse(readFileSync(join(messagingOut, jsonFile!), 'utf8'));
      const targets = ['relay', ...(result.dialects as string[])];

      const chat = result.scenarios.chat;
      expect(chat.error).toBeUndefined();
      expect(chat.runs.map((r: { target: string }) => r.target).sort()).toEqual([...targets].sort());
      for (const run of chat.runs) {
        expect(run.pairs).toBe(PAIRS);
        expect(run.opened).toBe(PAIRS);
        expect(run.counts.sent).toBeGreaterThan(0);
        // Correctness, not timing: nothing arrives twice or at the wrong participant.
        expect(run.counts.duplicates).toBe(0);
        expect(run.counts.misdelivered).toBe(0);
        for (const n of [run.offeredPerSecond, run.achieved.ackedPerSecond, run.ackMs.count, run.serverRssBytes]) {
          expect(finite(n)).toBe(true);
        }
      }
      for (const row of chat.summary.rows) {
        expect(targets).toContain(row.target);
        expect(finite(row.e2eP99)).toBe(true);
        if (row.target !== 'relay') expect(finite(row.p99Ratio)).toBe(true);
      }
      expect(chat.summary.knees.map((k: { target: string }) => k.target).sort()).toEqual([...targets].sort());

      const throughput = result.scenarios.throughput;
      expect(throughput.error).toBeUndefined();
      // Throughput also runs the second baseline: the Socket.IO + SQLite chat a developer would write.
      expect(throughput.runs.map((r: { target: string }) => r.target).sort()).toEqual(
        [...targets, 'socketio-sqlite'].sort(),
      );
      for (const run of throughput.runs) {
        expect(run.opened).toBe(run.pairs);
        expect(run.ackedPerSecond).toBeGreaterThan(0);
        expect(finite(run.ackMs.p99)).toBe(true);
        expect(run.counts.duplicates).toBe(0);
        expect(run.counts.misdelivered).toBe(0);
        if (run.target === 'relay' || run.target === 'socketio-sqlite') {
          expect(run.kill).toBeUndefined();
          continue;
        }
        // kill -9 mid-run, restart on the same database: every acknowledged message stored exactly once.
        expect(run.kill.acked).toBeGreaterThan(0);
        expect(run.kill.missing).toBe(0);
        expect(run.kill.duplicated).toBe(0);
        expect(finite(run.kill.restartMs)).toBe(true);
      }
      for (const row of throughput.summary.rows) {
        expect(finite(row.acked)).toBe(true);
        if (row.target !== 'relay') expect(finite(row.ratio)).toBe(true);
        if (row.target !== 'relay') expect(finite(row.naiveRatio)).toBe(true);
      }
    },
  );
});
