import { DateTime } from 'luxon';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import type { StaffPrincipal } from '../identity/principal.js';
import { cleanupChats } from '../../cli/commands/cleanup-chats.command.js';
import { createTestDatabase, describeEachDialect } from '../../../test/harness/dialects.js';
import { adminPrincipal, conversationEndedAt } from '../../../test/harness/old-conversations.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';
import type { PurgeProgress } from './retention.service.js';

const NY = 'America/New_York';
const ny = (iso: string) => DateTime.fromISO(iso, { zone: NY }).toMillis();
const NOW = ny('2026-11-23T10:00');
const DAY = 24 * 3_600_000;

async function exists(t: TestApp, id: string) {
  const [conversation, messages, key] = await Promise.all([
    t.ctx.db.selectFrom('conversations').select('id').where('id', '=', id).executeTakeFirst(),
    t.ctx.db.selectFrom('messages').select('id').where('conversationId', '=', id).execute(),
    t.ctx.db
      .selectFrom('conversationKeys')
      .select('conversationId')
      .where('conversationId', '=', id)
      .executeTakeFirst(),
  ]);
  return { conversation: conversation !== undefined, messages: messages.length, key: key !== undefined };
}

describeEachDialect('retention purge', (dialect) => {
  let t: TestApp;
  let admin: StaffPrincipal;
  const clock = new ManualClock(NOW);
  beforeAll(async () => {
    t = await startTestApp(dialect, { clock, env: { SUPPORT_TIMEZONE: NY } });
    admin = await adminPrincipal(t);
  });
  afterAll(() => t?.stop());
  beforeEach(async () => {
    await t.ctx.db.deleteFrom('conversations').execute();
    await t.ctx.db.deleteFrom('jobRuns').execute();
    await t.ctx.services.settings.set('retention.days', null, null);
  });

  it('removes closed and left conversations that ended before the cutoff, with messages and keys; nothing else', async () => {
    const oldClosed = await conversationEndedAt(t, clock, NOW - 30 * DAY, 'closed', admin);
    const oldLeft = await conversationEndedAt(t, clock, NOW - 8 * DAY, 'left', admin);
    const recentClosed = await conversationEndedAt(t, clock, NOW - 6 * DAY, 'closed', admin);
    const recentLeft = await conversationEndedAt(t, clock, NOW - 2 * DAY, 'left', admin);
    const oldOpen = await conversationEndedAt(t, clock, NOW - 60 * DAY, 'open', admin);
    clock.set(NOW);
    expect(await exists(t, oldClosed)).toEqual({ conversation: true, messages: 4, key: true });

    const dry = await t.ctx.services.retention.purge({ days: 7, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, conversations: 2, messages: 6 });
    expect((await exists(t, oldClosed)).conversation).toBe(true);

    const batches: PurgeProgress[] = [];
    const result = await t.ctx.services.retention.purge({ days: 7, onBatch: (p) => batches.push(p) });
    expect(result).toMatchObject({ dryRun: false, days: 7, conversations: 2, messages: 6, cutoff: NOW - 7 * DAY });
    expect(batches.flatMap((b) => b.batch.map((c) => [c.id, c.status]))).toEqual(
      [
        [oldClosed, 'closed'],
        [oldLeft, 'left'],
      ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
    for (const id of [oldClosed, oldLeft]) {
      expect(await exists(t, id)).toEqual({ conversation: false, messages: 0, key: false });
    }
    for (const id of [recentClosed, recentLeft, oldOpen]) expect((await exists(t, id)).conversation).toBe(true);
    // Nothing left to do: a second run removes nothing.
    expect((await t.ctx.services.retention.purge({ days: 7 })).conversations).toBe(0);
  });

  it('works in batches, each reported as it is done, with a progress bar on a terminal', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await conversationEndedAt(t, clock, NOW - (10 + i) * DAY, 'left', admin));
    clock.set(NOW);
    const seen: PurgeProgress[] = [];
    const result = await t.ctx.services.retention.purge({ days: 7, batchSize: 2, onBatch: (p) => seen.push(p) });
    expect(result).toMatchObject({ conversations: 5, batches: 3 });
    expect(seen.map((p) => [p.batch.length, p.done, p.total])).toEqual([
      [2, 2, 5],
      [2, 4, 5],
      [1, 5, 5],
    ]);

    for (let i = 0; i < 3; i++) await conversationEndedAt(t, clock, NOW - 20 * DAY, 'closed', admin);
    clock.set(NOW);
    let text = '';
    await cleanupChats(
      t.ctx.services.retention,
      { days: 7, dryRun: false, timezone: NY, batchSize: 2 },
      { write: (s) => (text += s), isTTY: true },
    );
    expect(text).toContain('[####################----------] 2/3 conversations');
    expect(text).toContain('\r\x1b[2K');
    expect(text).toContain('[##############################] 3/3 conversations\n');
    expect(text).toMatch(/removed [0-9a-f-]{36} {2}closed {2}ended 2026-11-03 {2}4 messages\n/);
    expect(text).toContain('Removed 3 conversations with 12 messages.\n');
  });

  it('runs daily only with a retention period, once per local date even when two instances try', async () => {
    const database = t.database;
    const second = await startTestApp(dialect, { database, clock, env: { SUPPORT_TIMEZONE: NY } });
    try {
      const old = await conversationEndedAt(t, clock, NOW - 40 * DAY, 'closed', admin);
      clock.set(NOW);
      expect(await t.ctx.services.retention.runDaily()).toEqual({ ran: false, reason: 'disabled' });
      expect((await exists(t, old)).conversation).toBe(true);

      await t.ctx.services.settings.set('retention.days', 30, null);
      await second.ctx.services.settings.reload(); // no shared bus between these two test apps
      const outcomes = await Promise.all([
        t.ctx.services.retention.runDaily(),
        second.ctx.services.retention.runDaily(),
      ]);
      expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
      expect(outcomes.find((o) => o.ran)).toMatchObject({ date: '2026-11-23', result: { conversations: 1 } });
      expect(outcomes.find((o) => !o.ran)).toMatchObject({ reason: expect.stringMatching(/^(locked|already_ran)$/) });
      expect((await exists(t, old)).conversation).toBe(false);

      // Later the same local day: nobody runs it again.
      clock.set(ny('2026-11-23T23:59'));
      await conversationEndedAt(t, clock, NOW - 40 * DAY, 'left', admin);
      clock.set(ny('2026-11-23T23:59'));
      expect(await second.ctx.services.retention.runDaily()).toEqual({ ran: false, reason: 'already_ran' });
      expect(await t.ctx.services.retention.runDaily()).toEqual({ ran: false, reason: 'already_ran' });
      // Past local midnight (04:59 UTC the next day is still the 23rd in New York; 05:00 is the 24th).
      clock.set(Date.UTC(2026, 10, 24, 4, 59));
      expect(await t.ctx.services.retention.runDaily()).toEqual({ ran: false, reason: 'already_ran' });
      clock.set(Date.UTC(2026, 10, 24, 5, 0));
      const next = await Promise.all([second.ctx.services.retention.runDaily(), t.ctx.services.retention.runDaily()]);
      expect(next.filter((o) => o.ran)).toEqual([
        expect.objectContaining({ date: '2026-11-24', result: expect.objectContaining({ conversations: 1 }) }),
      ]);
      const record = await t.ctx.db.selectFrom('jobRuns').selectAll().executeTakeFirst();
      expect(record).toMatchObject({ name: 'retention.purge', lastRunDate: '2026-11-24' });
      expect(JSON.parse(record!.summary!)).toEqual({ days: 30, conversations: 1, messages: 2 });
    } finally {
      await second.stop();
    }
  });
});

describeEachDialect('retention setting', (dialect) => {
  it('is unset by default, admin-editable, and refuses what is not a whole number of days', async () => {
    const database = await createTestDatabase(dialect);
    const t = await startTestApp(dialect, { database, env: { RETENTION_DAYS: '90' } });
    try {
      expect(t.ctx.services.settings.get('retention.days')).toBe(90);
      await t.ctx.services.settings.set('retention.days', null, null);
      expect(t.ctx.services.settings.get('retention.days')).toBeNull();
      for (const bad of [0, -1, 1.5, 'abc', 36_501]) {
        await expect(t.ctx.services.settings.set('retention.days', bad, null)).rejects.toMatchObject({
          code: 'validation_failed',
        });
      }
    } finally {
      await t.stop();
      await database.drop();
    }
    const fresh = await startTestApp(dialect);
    try {
      expect(fresh.ctx.services.settings.get('retention.days')).toBeNull();
    } finally {
      await fresh.stop();
    }
  });
});
