import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { projectRoot } from '../../core/paths.js';
import { createLogger } from '../../core/logger.js';
import { createDb } from '../../db/database.js';
import { loadConfig } from '../../config/config.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../../../test/harness/dialects.js';
import { startTestApp } from '../../../test/harness/test-app.js';
import { ManualClock } from '../../core/clock.js';
import { initSchedule } from './init-schedule.command.js';

const root = projectRoot();
const tsxLoader = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const cliEntry = join(root, 'src', 'cli', 'index.ts');

/** Runs the real command line (from the sources) against `database`, as an operator would. */
function runCli(
  database: TestDatabase,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, cliEntry, ...args], {
      cwd: database.dataDir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'test',
        DATABASE_URL: database.url,
        DATA_DIR: database.dataDir,
        SUPPORT_TIMEZONE: 'America/New_York',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Monday's stored intervals, straight from the database. */
async function mondayRows(database: TestDatabase) {
  const config = loadConfig({ DATABASE_URL: database.url, DATA_DIR: database.dataDir }, { envFile: false });
  const handle = createDb(config.database, createLogger('silent'));
  try {
    return await handle.db
      .selectFrom('scheduleIntervals')
      .select(['startMinute', 'endMinute'])
      .where('weekday', '=', 1)
      .execute();
  } finally {
    await handle.close();
  }
}

describeEachDialect('CLI init-schedule', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(() => database?.drop());

  it('writes business hours by default and prints each day, the status and the next opening', async () => {
    const r = await runCli(database, ['init-schedule']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Wrote the business hours preset (Monday–Friday 09:00–16:30).');
    expect(r.stdout).toContain('Support hours (America/New_York):');
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${day} +09:00–16:30$`, 'm'));
    }
    expect(r.stdout).toMatch(/^ {2}Saturday +closed$/m);
    expect(r.stdout).toMatch(/^ {2}Sunday +closed$/m);
    expect(r.stdout).toMatch(/^Now: +\w+day, \w+ \d+, \d{4}, \d+:\d\d [AP]M E[SD]T$/m);
    expect(r.stdout).toMatch(/^Status: +We're (online until|closed today\.|offline right now\.)/m);
    expect(r.stdout).toMatch(/^Next opening: +9:00 AM \w+ \(E[SD]T\)$/m);
    expect(await mondayRows(database)).toEqual([{ startMinute: 540, endMinute: 990 }]);
  });

  it('leaves an existing schedule alone without --force', async () => {
    const r = await runCli(database, ['init-schedule', '--extended-hours']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('A schedule already exists; left it alone (run with --force to replace it');
    expect(r.stdout).toMatch(/^ {2}Monday +09:00–16:30$/m);
    expect(await mondayRows(database)).toEqual([{ startMinute: 540, endMinute: 990 }]);
  });

  it('replaces it with --force', async () => {
    const r = await runCli(database, ['init-schedule', '--extended-hours', '--force']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Wrote the extended hours preset (Monday–Friday 09:00–18:00).');
    expect(await mondayRows(database)).toEqual([{ startMinute: 540, endMinute: 1080 }]);
  });

  it('refuses two preset flags with one clear line and exit 1, changing nothing', async () => {
    const r = await runCli(database, ['init-schedule', '--business-hours', '--finals-week', '--force']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(
      'error: choose one preset, not --business-hours and --finals-week: --business-hours (the default), --extended-hours or --finals-week',
    );
    expect(await mondayRows(database)).toEqual([{ startMinute: 540, endMinute: 1080 }]);
  });
});

describeEachDialect('init-schedule report (in process, pinned clock)', (dialect) => {
  it('while open, names the opening after the current one', async () => {
    const monday10 = Date.UTC(2026, 10, 23, 15, 0); // 10:00 in New York
    const t = await startTestApp(dialect, {
      clock: new ManualClock(monday10),
      env: { SUPPORT_TIMEZONE: 'America/New_York' },
    });
    try {
      const report = await initSchedule(t.ctx.services.schedule, 'finals', false, monday10);
      expect(report).toContain('Wrote the finals week preset (Monday–Friday 09:00–19:00).');
      expect(report).toContain('Now:          Monday, November 23, 2026, 10:00 AM EST\n');
      expect(report).toContain("Status:       We're online until 7:00 PM today (EST).\n");
      expect(report).toContain('Next opening: 9:00 AM tomorrow (EST)\n');
    } finally {
      await t.stop();
    }
  });
});
