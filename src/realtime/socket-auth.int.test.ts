import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, describeEachDialect, DIALECTS } from '../../test/harness/dialects.js';
import { REDIS_URL } from '../../test/harness/environment.js';
import { createStaff, PASSWORD, registerCustomer, staffClient, visitorClient } from '../../test/harness/factories.js';
import { spawnServer } from '../../test/harness/spawn-server.js';
import { connected, socketClient } from '../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';
import type { Socket } from 'socket.io-client';

function disconnection(socket: Socket): Promise<number> {
  const started = Date.now();
  return new Promise((resolve) => socket.once('disconnect', () => resolve(Date.now() - started)));
}

describeEachDialect('socket authentication', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { SOCKET_REVALIDATE_SECONDS: '1' } });
  });
  afterAll(() => t?.stop());

  it('accepts a visitor by cookie on /visitor and a staff member by cookie on /staff, and not the other way round', async () => {
    const { client } = await visitorClient(t);
    const v = socketClient(t.url, '/visitor', { cookie: client.cookieHeader() });
    await connected(v);
    const refused = socketClient(t.url, '/staff', { cookie: client.cookieHeader() });
    await expect(connected(refused)).rejects.toMatchObject({ data: { error: { code: 'unauthenticated' } } });

    const agentClient = await staffClient(t, await createStaff(t, 'agent'));
    const s = socketClient(t.url, '/staff', { cookie: agentClient.cookieHeader() });
    await connected(s);
    const staffAsVisitor = socketClient(t.url, '/visitor', {
      cookie: `sc_session=${agentClient.cookies.get('sc_staff')}`,
    });
    await expect(connected(staffAsVisitor)).rejects.toThrow();
    for (const x of [v, refused, s, staffAsVisitor]) x.close();
  });

  it('accepts API clients by bearer token in the handshake', async () => {
    const r = await t.client().post('/api/visitor/session', { transport: 'bearer' });
    const s = socketClient(t.url, '/visitor', { bearer: r.body.token });
    await connected(s);
    s.close();
  });

  it('refuses missing, made-up and revoked tokens, and foreign origins', async () => {
    const none = socketClient(t.url, '/visitor');
    await expect(connected(none)).rejects.toMatchObject({ data: { error: { code: 'unauthenticated' } } });
    const fake = socketClient(t.url, '/visitor', { bearer: randomBytes(32).toString('base64url') });
    await expect(connected(fake)).rejects.toThrow();
    const { client: customer } = await registerCustomer(t);
    const cookie = customer.cookieHeader();
    await customer.post('/api/customers/logout');
    const revoked = socketClient(t.url, '/visitor', { cookie });
    await expect(connected(revoked)).rejects.toThrow();
    const { client } = await visitorClient(t);
    const foreign = socketClient(t.url, '/visitor', { cookie: client.cookieHeader(), origin: 'https://evil.example' });
    await expect(connected(foreign)).rejects.toThrow();
    for (const x of [none, fake, revoked, foreign]) x.close();
  });

  it('disconnects every socket of a user within a second of deactivation, logout or password change', async () => {
    const admin = await staffClient(t, await createStaff(t, 'admin'));
    const agent = await createStaff(t, 'agent');
    const agentClient = await staffClient(t, agent);
    const s = socketClient(t.url, '/staff', { cookie: agentClient.cookieHeader() });
    await connected(s);
    const ended = new Promise((resolve) => s.once('session:ended', resolve));
    const gone = disconnection(s);
    await admin.post(`/api/admin/users/${agent.user.id}/deactivate`);
    expect(await gone).toBeLessThan(1_000);
    expect(await ended).toEqual({ reason: 'deactivated' });

    const { client: customer } = await registerCustomer(t);
    const c = socketClient(t.url, '/visitor', { cookie: customer.cookieHeader() });
    await connected(c);
    const cGone = disconnection(c);
    await customer.post('/api/customers/password', {
      currentPassword: PASSWORD,
      newPassword: 'changed passphrase 42',
      newPasswordConfirmation: 'changed passphrase 42',
    });
    expect(await cGone).toBeLessThan(1_000);
    // The browser's new cookie connects again.
    const again = socketClient(t.url, '/visitor', { cookie: customer.cookieHeader() });
    await connected(again);
    again.close();
  });

  it('re-validates open sockets periodically, as a safety net behind revocation events', async () => {
    const { client } = await visitorClient(t);
    const s = socketClient(t.url, '/visitor', { cookie: client.cookieHeader() });
    await connected(s);
    const gone = disconnection(s);
    // Expire the session behind the app's back: no event is published.
    await t.ctx.db
      .updateTable('sessions')
      .set({ expiresAt: Date.now() - 1 })
      .execute();
    expect(await gone).toBeLessThan(2_500);
  });
});

describe.skipIf(!DIALECTS.includes('postgres'))(
  'revocation across instances (separate processes, PostgreSQL + Redis)',
  () => {
    async function scenario(withBusOnA: boolean): Promise<{ disconnectedWithinMs: number | undefined }> {
      const database = await createTestDatabase('postgres');
      const prefix = `x${randomBytes(4).toString('hex')}`;
      const common = {
        DATABASE_URL: database.url,
        DATA_DIR: database.dataDir,
        PASSWORD_HASH_MEMORY_KIB: '1024',
        PASSWORD_HASH_TIME_COST: '1',
        REDIS_KEY_PREFIX: prefix,
      };
      const a = await spawnServer({ ...common, ...(withBusOnA ? { REDIS_URL } : {}) });
      const b = await spawnServer({ ...common, REDIS_URL });
      try {
        // Accounts are made on B through the API after seeding an admin with the CLI-equivalent service.
        const { HttpClient } = await import('../../test/harness/http-client.js');
        const { createUserFromDb } = await import('../../test/harness/direct-users.js');
        const adminAccount = await createUserFromDb(database.url, 'admin');
        const agentAccount = await createUserFromDb(database.url, 'agent');
        const adminOnB = new HttpClient(b.url);
        expect(
          (await adminOnB.post('/api/staff/login', { login: adminAccount.username, password: PASSWORD })).status,
        ).toBe(200);
        const agentOnA = new HttpClient(a.url);
        expect(
          (await agentOnA.post('/api/staff/login', { login: agentAccount.username, password: PASSWORD })).status,
        ).toBe(200);
        const socket = socketClient(a.url, '/staff', { cookie: agentOnA.cookieHeader() });
        await connected(socket);
        let disconnectedAt: number | undefined;
        socket.on('disconnect', (reason) => {
          if (reason !== 'io client disconnect') disconnectedAt = Date.now();
        });
        const started = Date.now();
        expect((await adminOnB.post(`/api/admin/users/${agentAccount.id}/deactivate`)).status).toBe(200);
        await sleep(1_000);
        socket.close();
        return { disconnectedWithinMs: disconnectedAt === undefined ? undefined : disconnectedAt - started };
      } finally {
        await Promise.all([a.kill(), b.kill()]);
        await database.drop();
      }
    }

    it('an admin on instance B deactivates a user whose socket is on instance A: it closes within one second', async () => {
      const { disconnectedWithinMs } = await scenario(true);
      expect(disconnectedWithinMs).toBeDefined();
      expect(disconnectedWithinMs!).toBeLessThan(1_000);
    });

    it('negative control: with the cross-instance bus off on A, the socket is still open a second later', async () => {
      const { disconnectedWithinMs } = await scenario(false);
      expect(disconnectedWithinMs).toBeUndefined();
    });
  },
);
