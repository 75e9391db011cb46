import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { projectRoot } from '../../core/paths.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../../../test/harness/dialects.js';
import { adminPrincipal, conversationEndedAt } from '../../../test/harness/old-conversations.js';
import { runCli } from '../../../test/harness/run-cli.js';
import { startTestApp } from '../../../test/harness/test-app.js';

const DAY = 24 * 3_600_000;
const built = existsSync(join(projectRoot(), 'dist', 'server', 'cli', 'index.js'));

/** The conversations left in the database (a short-lived app on the same database reads them). */
async function remaining(database: TestDatabase): Promise<string[]> {
  const t = await startTestApp(database.dialect, { database });
  try {
    return (await t.ctx.db.selectFrom('conversations').select('id').orderBy('id').execute()).map((r) => r.id);
  } finally {
    await t.stop();
  }
}

// Runs the BUILT command line (`npm run build:server` first), as an operator would.
describeEachDialect('CLI cleanup-chats', (dialect) => {
  let database: TestDatabase;
  let env: Record<string, string>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    if (!built) throw new Error('dist/server/cli/index.js is missing: run `npm run build:server` first');
    database = await createTestDatabase(dialect);
    env = {
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      DATA_DIR: database.dataDir,
      SUPPORT_TIMEZONE: 'UTC',
    };
    // The CLI uses the real clock: these conversations ended 30, 10 and 3 days ago by it.
    const now = Date.now();
    const clock = new ManualClock(now);
    const t = await startTestApp(dialect, { database, clock });
    try {
      const admin = await adminPrincipal(t);
      ids.closed30 = await conversationEndedAt(t, clock, now - 30 * DAY, 'closed', admin);
      ids.left10 = await conversationEndedAt(t, clock, now - 10 * DAY, 'left', admin);
      ids.closed3 = await conversationEndedAt(t, clock, now - 3 * DAY, 'closed', admin);
      ids.open40 = await conversationEndedAt(t, clock, now - 40 * DAY, 'open', admin);
    } finally {
      await t.stop();
    }
  });
  afterAll(() => database?.drop());

  it.each([['-1'], ['abc'], ['0'], ['1.5'], ['']])(
    'refuses --days %j with a clear message (exit 1) and deletes nothing',
    async (days) => {
      const r = await runCli(['cleanup-chats', '--days', days], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `error: option '--days <n>' argument '${days}' is invalid. must be a whole number of days from 1 to 36500`,
      );
      expect(r.stdout).toBe('');
      expect(await remaining(database)).toHaveLength(4);
    },
  );

  it('lists what would go on a dry run and deletes nothing', async () => {
    const r = await runCli(['cleanup-chats', '--dry-run', '--days', '5'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Dry run: nothing is deleted\. Closed and left conversations that ended before \d{4}-\d\d-\d\d \(5 days ago, UTC\) would be removed/,
    );
    expect(r.stdout).toContain(`would remove ${ids.closed30}  closed  ended `);
    expect(r.stdout).toContain(`would remove ${ids.left10}  left    ended `);
    expect(r.stdout).not.toContain(ids.closed3!);
    expect(r.stdout).not.toContain(ids.open40!);
    // Not a terminal: a plain line per batch, no progress bar.
    expect(r.stdout).toContain('  … 2 of 2 listed\n');
    expect(r.stdout).not.toContain('\r');
    expect(r.stdout).toMatch(/Would remove 2 conversations with 6 messages\.\n$/);
    expect(await remaining(database)).toHaveLength(4);
  });

  it('purges closed and left conversations older than 7 days by default, with their messages', async () => {
    const r = await runCli(['cleanup-chats'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(7 days ago, UTC) are removed with their messages, files and keys.');
    expect(r.stdout).toMatch(
      new RegExp(`removed ${ids.closed30} {2}closed {2}ended \\d{4}-\\d\\d-\\d\\d {2}4 messages`),
    );
    expect(r.stdout).toMatch(new RegExp(`removed ${ids.left10} {2}left {4}ended \\d{4}-\\d\\d-\\d\\d {2}2 messages`));
    expect(r.stdout).toContain('Removed 2 conversations with 6 messages.');
    expect(await remaining(database)).toEqual([ids.closed3, ids.open40].sort());

    const again = await runCli(['cleanup-chats'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to remove.');
  });

  it('is listed in the help', async () => {
    const r = await runCli(['--help'], env);
    expect(r.stdout).toMatch(/cleanup-chats \[options\] +Purge closed and left conversations/);
  });
});
