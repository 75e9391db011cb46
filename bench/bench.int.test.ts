/**
 * CI smoke of `npm run bench`: a quick run of the idle scenario at a small size and of cold-start with one
 * repeat, into a temporary folder. Asserts only that results were produced with sane shapes (finite numbers,
 * files written): timing is never asserted. Needs the built server (`npm run build`, as `npm test` does).
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
const out = mkdtempSync(join(tmpdir(), 'sc-bench-smoke-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const finite = (n: unknown) => typeof n === 'number' && Number.isFinite(n);

describe('npm run bench (smoke)', () => {
  it('writes JSON and Markdown results for idle and cold-start', { timeout: 120_000 }, async () => {
    assertBuilt();
    const args = ['--import', 'tsx', join(projectRoot(), 'bench', 'run.ts'), '--quick', '--scenario', 'idle'];
    args.push('--scenario', 'cold-start', '--idle-sockets', String(SOCKETS), '--repeats', '1', '--out', out);
    const { stdout } = await promisify(execFile)(process.execPath, args, {
      cwd: projectRoot(),
      maxBuffer: 16 * 1024 * 1024,
      timeout: 110_000,
    });

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
});
