import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import { visitorClient } from '../../../test/harness/factories.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';

describeEachDialect('expired sessions are purged', (dialect) => {
  let t: TestApp;
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 12));
  beforeAll(async () => {
    t = await startTestApp(dialect, { clock });
  });
  afterAll(() => t?.stop());

  it('by the hourly task, keeping the sessions still in use', async () => {
    const old = await visitorClient(t);
    clock.advance(30 * 24 * 3_600_000); // well past the 24 h sliding visitor session
    const fresh = await visitorClient(t);
    const count = async (visitorId: string) =>
      (await t.ctx.db.selectFrom('sessions').select('id').where('visitorId', '=', visitorId).execute()).length;
    expect(await count(old.visitorId)).toBe(1);
    expect(await t.ctx.jobs.runNow('identity.purge-expired')).toBe(true);
    expect(await count(old.visitorId)).toBe(0);
    expect(await count(fresh.visitorId)).toBe(1);
    expect((await fresh.client.get('/api/session')).body.me).toMatchObject({ kind: 'visitor', id: fresh.visitorId });
  });
});
