import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import { createStaff, PASSWORD, registerCustomer, staffClient } from '../../../test/harness/factories.js';
import type { HttpClient } from '../../../test/harness/http-client.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';

const newAgent = (username: string) => ({
  role: 'agent',
  username,
  email: `${username}@staff.example`,
  firstName: 'Alex',
  lastName: 'Rivera',
  jobTitle: 'Course Assistant',
  departments: ['Computing', 'Math'],
  password: 'a long agent passphrase',
});

describeEachDialect('admin: users and audit', (dialect) => {
  let t: TestApp;
  let admin: HttpClient;
  let adminId: string;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    const account = await createStaff(t, 'admin');
    adminId = account.user.id;
    admin = await staffClient(t, account);
  });
  afterAll(() => t?.stop());

  it('creates an agent who can sign in at once, and lists and searches staff', async () => {
    const created = await admin.post('/api/admin/users', newAgent('alexr'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      role: 'agent',
      username: 'alexr',
      displayName: 'Alex Rivera',
      departments: ['Computing', 'Math'],
      isActive: true,
    });
    expect(created.body.passwordHash).toBeUndefined();
    const login = await t
      .staffClient()
      .post('/api/staff/login', { login: 'alexr', password: 'a long agent passphrase' });
    expect(login.status).toBe(200);
    expect(login.body.me.role).toBe('agent');

    const found = await admin.get('/api/admin/users?kind=staff&search=rivera');
    expect(found.body.users.map((u: { username: string }) => u.username)).toEqual(['alexr']);
    const none = await admin.get(`/api/admin/users?kind=staff&search=${encodeURIComponent("%' OR 1=1 --")}`);
    expect(none.status).toBe(200);
    expect(none.body.users).toEqual([]);
  });

  it('lists customers separately from staff', async () => {
    const { username } = await registerCustomer(t);
    const customers = await admin.get(`/api/admin/users?kind=customers&search=${username}`);
    expect(customers.body.users).toHaveLength(1);
    expect(customers.body.users[0].role).toBe('customer');
    const staff = await admin.get(`/api/admin/users?kind=staff&search=${username}`);
    expect(staff.body.users).toHaveLength(0);
  });

  it('edits a staff account and refuses an e-mail already in use', async () => {
    const agent = await createStaff(t, 'agent');
    const other = await createStaff(t, 'agent');
    const r = await admin.patch(`/api/admin/users/${agent.user.id}`, { jobTitle: 'Lead Assistant', firstName: 'Jo' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ jobTitle: 'Lead Assistant', displayName: `Jo ${agent.user.lastName}` });
    const clash = await admin.patch(`/api/admin/users/${agent.user.id}`, { email: other.user.email.toUpperCase() });
    expect(clash.status).toBe(409);
  });

  it('deactivation ends every session at once; reactivation lets them sign in again', async () => {
    const agent = await createStaff(t, 'agent');
    const agentClient = await staffClient(t, agent);
    expect((await agentClient.get('/api/staff/session')).body.me.username).toBe(agent.username);
    expect((await admin.post(`/api/admin/users/${agent.user.id}/deactivate`)).status).toBe(200);
    expect((await agentClient.get('/api/staff/session')).body.me).toBeNull();
    expect((await t.staffClient().post('/api/staff/login', { login: agent.username, password: PASSWORD })).status).toBe(
      401,
    );
    expect((await admin.post(`/api/admin/users/${agent.user.id}/reactivate`)).status).toBe(200);
    expect((await t.staffClient().post('/api/staff/login', { login: agent.username, password: PASSWORD })).status).toBe(
      200,
    );
  });

  it('resets a password: the old one stops working and sessions end', async () => {
    const agent = await createStaff(t, 'agent');
    const agentClient = await staffClient(t, agent);
    const weak = await admin.post(`/api/admin/users/${agent.user.id}/reset-password`, { newPassword: 'password123' });
    expect(weak.status).toBe(400);
    expect(
      (
        await admin.post(`/api/admin/users/${agent.user.id}/reset-password`, {
          newPassword: 'a fresh temporary passphrase',
        })
      ).status,
    ).toBe(200);
    expect((await agentClient.get('/api/staff/session')).body.me).toBeNull();
    expect((await t.staffClient().post('/api/staff/login', { login: agent.username, password: PASSWORD })).status).toBe(
      401,
    );
    expect(
      (
        await t
          .staffClient()
          .post('/api/staff/login', { login: agent.username, password: 'a fresh temporary passphrase' })
      ).status,
    ).toBe(200);
  });

  it('deletes accounts; unknown ids are 404, never 500', async () => {
    const agent = await createStaff(t, 'agent');
    expect((await admin.delete(`/api/admin/users/${agent.user.id}`)).status).toBe(200);
    expect((await admin.get(`/api/admin/users/${agent.user.id}`)).status).toBe(404);
    for (const id of ['00000000-0000-0000-0000-000000000000', 'not-a-uuid', "1' or '1'='1"]) {
      expect((await admin.delete(`/api/admin/users/${encodeURIComponent(id)}`)).status).toBe(404);
      expect((await admin.post(`/api/admin/users/${encodeURIComponent(id)}/deactivate`)).status).toBe(404);
    }
  });

  it('refuses to deactivate or delete yourself', async () => {
    for (const r of [
      await admin.post(`/api/admin/users/${adminId}/deactivate`),
      await admin.delete(`/api/admin/users/${adminId}`),
    ]) {
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('self_action_refused');
    }
  });

  it('keeps at least one active admin, even when two admins delete each other at the same instant', async () => {
    // A fresh app, so these two are the only admins.
    const own = await startTestApp(dialect);
    try {
      const a = await createStaff(own, 'admin');
      const b = await createStaff(own, 'admin');
      const ca = await staffClient(own, a);
      const cb = await staffClient(own, b);
      const [ra, rb] = await Promise.all([
        ca.delete(`/api/admin/users/${b.user.id}`),
        cb.delete(`/api/admin/users/${a.user.id}`),
      ]);
      const statuses = [ra.status, rb.status].sort();
      // One wins; the loser either finds its target is the last admin, or (having been deleted itself) is signed out.
      expect(statuses[0]).toBe(200);
      expect([401, 409]).toContain(statuses[1]);
      expect(await own.ctx.services.users.countActiveAdmins()).toBe(1);

      const survivor = ra.status === 200 ? ca : cb;
      const survivorId = ra.status === 200 ? a.user.id : b.user.id;
      const third = await createStaff(own, 'agent');
      const demote = await survivor.patch(`/api/admin/users/${survivorId}`, { role: 'agent' });
      expect(demote.status).toBe(403);
      expect((await survivor.post(`/api/admin/users/${third.user.id}/deactivate`)).status).toBe(200);
    } finally {
      await own.stop();
    }
  });

  it('answers 403 to a customer and to an agent on admin endpoints, and 401 to nobody', async () => {
    const { client: customer } = await registerCustomer(t);
    const agentClient = await staffClient(t, await createStaff(t, 'agent'));
    expect((await customer.get('/api/admin/users')).status).toBe(403);
    expect((await agentClient.get('/api/admin/users')).status).toBe(403);
    expect((await agentClient.post('/api/admin/users', newAgent('sneaky'))).status).toBe(403);
    expect((await t.staffClient().get('/api/admin/users')).status).toBe(401);
    // A customer's bearer token is refused on staff endpoints too.
    const api = await t.client().post('/api/customers/login', {
      login: (await registerCustomer(t)).username,
      password: PASSWORD,
      transport: 'bearer',
    });
    expect((await t.staffClient().withBearer(api.body.token).get('/api/admin/users')).status).toBe(403);
  });

  it('enforces the staff e-mail domain allow-list, case-insensitively', async () => {
    expect((await admin.patch('/api/admin/settings', { 'staff.emailDomains': ['Uni.EDU'] })).status).toBe(200);
    try {
      const refused = await admin.post('/api/admin/users', {
        ...newAgent('outsider'),
        lastName: 'Outsider',
        email: 'outsider@gmail.com',
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.details.fields[0].path).toBe('email');
      const accepted = await admin.post('/api/admin/users', {
        ...newAgent('insider'),
        lastName: 'Insider',
        email: 'insider@UNI.edu',
      });
      expect(accepted.status).toBe(201);
      const bad = await admin.patch('/api/admin/settings', { 'staff.emailDomains': ['not a domain'] });
      expect(bad.status).toBe(400);
    } finally {
      await admin.patch('/api/admin/settings', { 'staff.emailDomains': [] });
    }
  });

  it('audits staff actions on accounts with who, what, target, when and IP', async () => {
    const agent = await createStaff(t, 'agent');
    await admin.post(`/api/admin/users/${agent.user.id}/deactivate`);
    const log = await admin.get(`/api/admin/audit?targetId=${agent.user.id}`);
    expect(log.status).toBe(200);
    const entry = log.body.entries.find((e: { action: string }) => e.action === 'user.deactivated');
    expect(entry).toMatchObject({
      actor: { id: adminId },
      target: { type: 'user', id: agent.user.id, name: agent.username },
    });
    expect(entry.ip).toMatch(/127\.0\.0\.1/);
    expect(Date.parse(entry.at)).toBeGreaterThan(Date.now() - 60_000);
    const logins = await admin.get(`/api/admin/audit?action=staff.login&actorId=${adminId}`);
    expect(logins.body.total).toBeGreaterThanOrEqual(1);
  });
});

describe('STAFF_PORT', () => {
  it('serves staff sign-in only on the staff listener', async () => {
    const t = await startTestApp('sqlite', { separateStaffPort: true });
    try {
      const agent = await createStaff(t, 'agent');
      const onPublic = await t.client().post('/api/staff/login', { login: agent.username, password: PASSWORD });
      expect(onPublic.status).toBe(404);
      const onStaff = await t.staffClient().post('/api/staff/login', { login: agent.username, password: PASSWORD });
      expect(onStaff.status).toBe(200);
      expect((await t.staffClient().post('/api/customers/login', { login: 'x', password: 'y' })).status).toBe(404);
    } finally {
      await t.stop();
    }
  });

  it('marks the staff cookie Secure when only STAFF_ORIGIN is https (the visitor cookie stays as it was)', async () => {
    const t = await startTestApp('sqlite', {
      separateStaffPort: true,
      env: { STAFF_PORT: '8001', STAFF_ORIGIN: 'https://staff.support.example' },
    });
    try {
      const agent = await createStaff(t, 'agent');
      const staff = t.staffClient().withOrigin('https://staff.support.example');
      const login = await staff.post('/api/staff/login', { login: agent.username, password: PASSWORD });
      expect(login.status).toBe(200);
      expect(login.headers.get('set-cookie')).toMatch(/^sc_staff=[^;]+;.*; Secure/i);
      const logout = await staff.post('/api/staff/logout');
      expect(logout.headers.get('set-cookie')).toMatch(/^sc_staff=;.*; Secure/i);
      const visitor = await t.client().post('/api/visitor/session', {});
      expect(visitor.headers.get('set-cookie')).toMatch(/^sc_session=/);
      expect(visitor.headers.get('set-cookie')).not.toMatch(/Secure/i);
    } finally {
      await t.stop();
    }
  });
});
