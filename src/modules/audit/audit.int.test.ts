import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import { createStaff, staffClient } from '../../../test/harness/factories.js';
import type { HttpClient } from '../../../test/harness/http-client.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';

/** An admin's changes leave entries that say what changed (before → after) and what they touched. */
describeEachDialect('audit log: what changed, in words', (dialect) => {
  let t: TestApp;
  let admin: HttpClient;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    admin = await staffClient(t, await createStaff(t, 'admin'));
  });
  afterAll(() => t?.stop());

  async function latest(action: string, targetId?: string) {
    const q = new URLSearchParams({ action, ...(targetId ? { targetId } : {}) });
    const r = await admin.get(`/api/admin/audit?${q}`);
    expect(r.status).toBe(200);
    return r.body.entries[0];
  }

  it('an account change records each field before → after, never the password', async () => {
    const agent = await createStaff(t, 'agent', { firstName: 'Alex', lastName: 'Rivera' });
    const r = await admin.patch(`/api/admin/users/${agent.user.id}`, { role: 'admin', jobTitle: 'Team lead' });
    expect(r.status).toBe(200);
    const entry = await latest('user.updated', agent.user.id);
    expect(entry.target).toMatchObject({ type: 'user', id: agent.user.id, name: agent.username });
    expect(entry.details.changes).toEqual(
      expect.arrayContaining([
        { field: 'role', before: 'agent', after: 'admin' },
        { field: 'jobTitle', before: expect.any(String), after: 'Team lead' },
      ]),
    );
    expect(entry.details.changes.map((c: { field: string }) => c.field)).not.toContain('displayName'); // unchanged
    expect(entry.summary).toBe(`Changed the account of ${agent.username}`);
    expect(entry.changes).toEqual(expect.arrayContaining([{ field: 'Role', before: 'agent', after: 'admin' }]));
    expect(JSON.stringify(entry)).not.toMatch(/password/i);
  });

  it('settings, topics and canned replies record before → after', async () => {
    expect(
      (await admin.patch('/api/admin/settings', { 'branding.serviceName': 'Campus Help', 'retention.days': 30 }))
        .status,
    ).toBe(200);
    const settings = await latest('settings.changed');
    expect(settings.details.changes).toEqual(
      expect.arrayContaining([
        { field: 'branding.serviceName', before: 'Support Central', after: 'Campus Help' },
        { field: 'retention.days', before: null, after: 30 },
      ]),
    );
    expect(settings.changes).toEqual(
      expect.arrayContaining([
        { field: 'Service name', before: 'Support Central', after: 'Campus Help' },
        { field: 'Retention (days)', before: '—', after: '30' },
      ]),
    );

    const topic = await admin.post('/api/admin/topics', { label: 'Lab access' });
    expect(topic.status).toBe(201);
    await admin.put(`/api/admin/topics/${topic.body.id}`, { label: 'Lab access and keys', isActive: false });
    const renamed = await latest('topic.updated', topic.body.id);
    expect(renamed.details.changes).toEqual([
      { field: 'label', before: 'Lab access', after: 'Lab access and keys' },
      { field: 'isActive', before: true, after: false },
    ]);
    expect(renamed.summary).toBe('Changed the topic “Lab access and keys”');

    const canned = await admin.post('/api/admin/canned-replies', {
      title: 'Lab greeting',
      shortcut: 'labgreet',
      body: 'Hello {{visitor.name}}!',
    });
    expect(canned.status).toBe(201);
    await admin.put(`/api/admin/canned-replies/${canned.body.id}`, {
      title: 'Lab greeting',
      shortcut: 'labhello',
      body: 'Hello {{visitor.name}}!',
    });
    const edited = await latest('canned.updated', canned.body.id);
    expect(edited.details.changes).toEqual([{ field: 'shortcut', before: 'labgreet', after: 'labhello' }]);
  });

  it('support hours: the week per day and date overrides say what they were and became', async () => {
    const days = {
      monday: [{ start: '09:00', end: '17:00' }],
      tuesday: [],
      wednesday: [],
      thursday: [],
      friday: [],
      saturday: [],
      sunday: [],
    };
    expect((await admin.put('/api/admin/schedule', { days })).status).toBe(200);
    // Entries are listed newest first by their millisecond: the second change must not share the first's.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await admin.put('/api/admin/schedule', { days: { ...days, monday: [{ start: '10:00', end: '16:00' }] } });
    const week = await latest('schedule.week_changed');
    expect(week.details.changes).toEqual([{ field: 'monday', before: '09:00–17:00', after: '10:00–16:00' }]);
    expect(week.changes).toEqual([{ field: 'Monday', before: '09:00–17:00', after: '10:00–16:00' }]);

    const date = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const created = await admin.post('/api/admin/schedule/overrides', { date, kind: 'closed', reason: 'Holiday' });
    expect(created.status).toBe(201);
    const added = await latest('schedule.override_created', date);
    expect(added).toMatchObject({
      target: { type: 'date', id: date },
      details: { kind: 'closed', hours: 'closed', reason: 'Holiday' },
      summary: `Added a date override for ${date}`,
    });
    await admin.put(`/api/admin/schedule/overrides/${date}`, {
      kind: 'hours',
      intervals: [{ start: '10:00', end: '12:00' }],
      reason: 'Short day',
    });
    const changed = await latest('schedule.override_updated', date);
    expect(changed.details.changes).toEqual([
      { field: 'kind', before: 'closed', after: 'hours' },
      { field: 'hours', before: 'closed', after: '10:00–12:00' },
      { field: 'reason', before: 'Holiday', after: 'Short day' },
    ]);
    expect((await admin.delete(`/api/admin/schedule/overrides/${date}`)).status).toBe(204);
    expect((await latest('schedule.override_deleted', date)).details).toMatchObject({ reason: 'Short day' });
    // A refused change writes nothing.
    const before = (await admin.get('/api/admin/audit?action=schedule.week_changed')).body.total;
    const bad = await admin.put('/api/admin/schedule', {
      days: { ...days, monday: [{ start: '25:00', end: '26:00' }] },
    });
    expect(bad.status).toBe(400);
    expect((await admin.get('/api/admin/audit?action=schedule.week_changed')).body.total).toBe(before);
  });
});
