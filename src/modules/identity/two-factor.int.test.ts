import { Secret, TOTP } from 'otpauth';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import { createStaff, PASSWORD, registerCustomer, staffClient } from '../../../test/harness/factories.js';
import type { HttpClient } from '../../../test/harness/http-client.js';
import { runCli } from '../../../test/harness/run-cli.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';

/** The code an authenticator app shows for `secret` at `at` (otpauth, the same library as the server). */
const codeAt = (secret: string, at: number) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: at,
  });

describeEachDialect('staff two-factor sign-in', (dialect) => {
  let t: TestApp;
  const clock = new ManualClock(Date.now());
  // Each sign-in uses a fresh 30-second step: a code is accepted once only.
  const nextStep = () => clock.advance(30_000);

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock });
  });
  afterAll(() => t?.stop());

  /** Enrols `client`'s staff member and returns the secret and the recovery codes. */
  async function enrol(client: HttpClient): Promise<{ secret: string; recoveryCodes: string[] }> {
    const setup = await client.post('/api/staff/two-factor/setup');
    expect(setup.status).toBe(200);
    const enabled = await client.post('/api/staff/two-factor/enable', {
      code: codeAt(setup.body.secret, clock.now()),
    });
    expect(enabled.status).toBe(200);
    return { secret: setup.body.secret, recoveryCodes: enabled.body.recoveryCodes };
  }

  async function passwordStep(username: string) {
    const client = t.staffClient();
    const r = await client.post('/api/staff/login', { login: username, password: PASSWORD });
    return { client, r };
  }

  it('enrols with a QR code and a real TOTP code, shows ten recovery codes once, and ends other sessions', async () => {
    const agent = await createStaff(t, 'agent');
    const client = await staffClient(t, agent);
    const elsewhere = await staffClient(t, agent);

    expect((await client.get('/api/staff/two-factor')).body).toMatchObject({ enabled: false, recoveryCodesLeft: 0 });
    const setup = await client.post('/api/staff/two-factor/setup');
    expect(setup.body.qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(setup.body.qrCode.split(',')[1], 'base64').toString()).toContain('<svg');
    expect(setup.body.uri).toContain(`otpauth://totp/`);
    expect(setup.body.uri).toContain(`secret=${setup.body.secret}`);

    const wrong = await client.post('/api/staff/two-factor/enable', {
      code: codeAt(setup.body.secret, clock.now() - 10 * 60_000),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('two_factor_code_invalid');
    expect((await client.get('/api/staff/two-factor')).body.enabled).toBe(false);

    const ok = await client.post('/api/staff/two-factor/enable', { code: codeAt(setup.body.secret, clock.now()) });
    expect(ok.status).toBe(200);
    expect(ok.body.recoveryCodes).toHaveLength(10);
    expect(new Set(ok.body.recoveryCodes).size).toBe(10);
    expect((await client.get('/api/staff/two-factor')).body).toMatchObject({ enabled: true, recoveryCodesLeft: 10 });
    // This browser stays signed in; the other one was opened with a password alone and is signed out.
    expect((await client.get('/api/staff/session')).body.me.id).toBe(agent.user.id);
    expect((await elsewhere.get('/api/staff/session')).body.me).toBeNull();
    // A second set-up while it is on is refused: turn it off first.
    expect((await client.post('/api/staff/two-factor/setup')).body.error.code).toBe('two_factor_already_enabled');

    // The secret is stored sealed: neither the database row nor anything else holds it in clear.
    const row = await t.ctx.db
      .selectFrom('staffTwoFactor')
      .selectAll()
      .where('userId', '=', agent.user.id)
      .executeTakeFirstOrThrow();
    expect(row.secret.toString('latin1')).not.toContain(setup.body.secret);
    const codes = await t.ctx.db
      .selectFrom('staffRecoveryCodes')
      .select('codeHash')
      .where('userId', '=', agent.user.id)
      .execute();
    expect(codes.map((c) => c.codeHash)).not.toContain(ok.body.recoveryCodes[0]);

    const audit = await t.ctx.services.audit.list({ actorId: agent.user.id, limit: 50, offset: 0 });
    expect(audit.entries.map((e) => e.action)).toContain('staff.two_factor_enabled');
  });

  it('asks for the code after the password; a wrong, replayed or stale code is refused; a right one signs in', async () => {
    const agent = await createStaff(t, 'agent');
    const { secret } = await enrol(await staffClient(t, agent));
    nextStep();

    const { client, r } = await passwordStep(agent.username);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ twoFactorRequired: true, redirectTo: '/staff' });
    expect(r.body.me).toBeUndefined();
    // No session yet: the password alone opens nothing.
    expect(client.cookies.size).toBe(0);
    expect((await client.get('/api/staff/session')).body.me).toBeNull();

    const bad = await client.post('/api/staff/login/two-factor', { challenge: r.body.challenge, code: '000000' });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('two_factor_code_invalid');
    const stale = await client.post('/api/staff/login/two-factor', {
      challenge: r.body.challenge,
      code: codeAt(secret, clock.now() - 5 * 60_000),
    });
    expect(stale.status).toBe(401);

    const code = codeAt(secret, clock.now());
    const good = await client.post('/api/staff/login/two-factor', { challenge: r.body.challenge, code });
    expect(good.status).toBe(200);
    expect(good.body.me.id).toBe(agent.user.id);
    expect((await client.get('/api/staff/session')).body.me.id).toBe(agent.user.id);

    // The challenge is spent, and the same code does not open a second session.
    const again = await t.staffClient().post('/api/staff/login/two-factor', { challenge: r.body.challenge, code });
    expect(again.body.error.code).toBe('token_invalid');
    const second = await passwordStep(agent.username);
    const replay = await second.client.post('/api/staff/login/two-factor', {
      challenge: second.r.body.challenge,
      code,
    });
    expect(replay.body.error.code).toBe('two_factor_code_invalid');

    const audit = await t.ctx.services.audit.list({ actorId: agent.user.id, limit: 50, offset: 0 });
    const login = audit.entries.find((e) => e.action === 'staff.login' && e.details.secondFactor);
    expect(login?.details).toEqual({ secondFactor: 'totp' });
    expect(audit.entries.filter((e) => e.action === 'staff.two_factor_failed').length).toBeGreaterThanOrEqual(3);
  });

  it('takes each recovery code once, however it is typed', async () => {
    const agent = await createStaff(t, 'agent');
    const { recoveryCodes } = await enrol(await staffClient(t, agent));
    const code = recoveryCodes[0]!;

    const first = await passwordStep(agent.username);
    const typed = ` ${code.toUpperCase().replace('-', ' ')} `;
    const ok = await first.client.post('/api/staff/login/two-factor', {
      challenge: first.r.body.challenge,
      code: typed,
    });
    expect(ok.status).toBe(200);
    expect((await first.client.get('/api/staff/two-factor')).body.recoveryCodesLeft).toBe(9);

    const second = await passwordStep(agent.username);
    const reused = await second.client.post('/api/staff/login/two-factor', {
      challenge: second.r.body.challenge,
      code,
    });
    expect(reused.status).toBe(401);
    const other = await second.client.post('/api/staff/login/two-factor', {
      challenge: second.r.body.challenge,
      code: recoveryCodes[1],
    });
    expect(other.status).toBe(200);
  });

  it('is for staff only: customers, visitors and strangers are refused every two-factor and session route', async () => {
    const customer = await registerCustomer(t);
    const visitor = t.client();
    await visitor.post('/api/visitor/session', {});
    for (const [method, path] of [
      ['GET', '/api/staff/two-factor'],
      ['POST', '/api/staff/two-factor/setup'],
      ['POST', '/api/staff/two-factor/enable'],
      ['POST', '/api/staff/two-factor/disable'],
      ['POST', '/api/staff/two-factor/recovery-codes'],
      ['GET', '/api/staff/sessions'],
    ] as const) {
      // Strict bodies: each route gets the field it takes.
      const fit = path.endsWith('enable')
        ? { code: '123456' }
        : path.endsWith('disable') || path.endsWith('recovery-codes')
          ? { password: PASSWORD }
          : undefined;
      expect((await customer.client.request(method, path, fit)).status, `${method} ${path} as a customer`).toBe(403);
      expect((await visitor.request(method, path, fit)).status, `${method} ${path} as a visitor`).toBe(403);
      expect((await t.staffClient().request(method, path, fit)).status, `${method} ${path} anonymously`).toBe(401);
    }
  });

  it('throttles code guesses like passwords', async () => {
    const agent = await createStaff(t, 'agent');
    await enrol(await staffClient(t, agent));
    const { client, r } = await passwordStep(agent.username);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const guess = await client.post('/api/staff/login/two-factor', {
        challenge: r.body.challenge,
        code: String(100000 + i),
      });
      statuses.push(guess.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });

  it('needs the password to turn it off or to get new recovery codes', async () => {
    const agent = await createStaff(t, 'agent');
    const client = await staffClient(t, agent);
    const { recoveryCodes } = await enrol(client);

    const wrong = await client.post('/api/staff/two-factor/disable', { password: 'not my password at all' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details.fields[0].path).toBe('password');
    expect((await client.get('/api/staff/two-factor')).body.enabled).toBe(true);

    const fresh = await client.post('/api/staff/two-factor/recovery-codes', { password: PASSWORD });
    expect(fresh.body.recoveryCodes).toHaveLength(10);
    const old = await passwordStep(agent.username);
    expect(
      (
        await old.client.post('/api/staff/login/two-factor', {
          challenge: old.r.body.challenge,
          code: recoveryCodes[0],
        })
      ).status,
    ).toBe(401);

    expect((await client.post('/api/staff/two-factor/disable', { password: PASSWORD })).status).toBe(200);
    const plain = await passwordStep(agent.username);
    expect(plain.r.body.me.id).toBe(agent.user.id);
    // Its key went with it.
    const key = await t.ctx.db
      .selectFrom('conversationKeys')
      .select('conversationId')
      .where('conversationId', '=', `totp:${agent.user.id}`)
      .executeTakeFirst();
    expect(key).toBeUndefined();
    const actions = (await t.ctx.services.audit.list({ actorId: agent.user.id, limit: 50, offset: 0 })).entries.map(
      (e) => e.action,
    );
    expect(actions).toEqual(expect.arrayContaining(['staff.two_factor_disabled', 'staff.recovery_codes_regenerated']));
  });

  it('an admin resets a colleague who lost their phone; agents, customers and strangers may not', async () => {
    const admin = await staffClient(t, await createStaff(t, 'admin'));
    const agent = await createStaff(t, 'agent');
    const agentClient = await staffClient(t, agent);
    await enrol(agentClient);
    const otherAgent = await staffClient(t, await createStaff(t, 'agent'));
    const customer = await registerCustomer(t);

    const path = `/api/admin/users/${agent.user.id}/two-factor/reset`;
    expect((await otherAgent.post(path)).status).toBe(403);
    expect((await customer.client.post(path)).status).toBe(403);
    expect((await t.staffClient().post(path)).status).toBe(401);
    expect((await admin.post(path)).status).toBe(200);
    expect((await admin.post(path)).body.error.code).toBe('two_factor_not_enabled');
    // Their sessions ended; they sign in with the password alone until they enrol again.
    expect((await agentClient.get('/api/staff/session')).body.me).toBeNull();
    expect((await passwordStep(agent.username)).r.body.me.id).toBe(agent.user.id);
  });

  it('a deleted staff member’s secret goes with the account (its key shredded)', async () => {
    const admin = await staffClient(t, await createStaff(t, 'admin'));
    const agent = await createStaff(t, 'agent');
    await enrol(await staffClient(t, agent));
    const keyOf = () =>
      t.ctx.db
        .selectFrom('conversationKeys')
        .select('conversationId')
        .where('conversationId', '=', `totp:${agent.user.id}`)
        .executeTakeFirst();
    expect(await keyOf()).toBeDefined();
    expect((await admin.delete(`/api/admin/users/${agent.user.id}`)).status).toBe(200);
    expect(await keyOf()).toBeUndefined();
    const rows = await t.ctx.db.selectFrom('staffTwoFactor').selectAll().where('userId', '=', agent.user.id).execute();
    expect(rows).toEqual([]);
  });

  it('the command line turns it off for someone no admin can help (reset-two-factor)', async () => {
    const agent = await createStaff(t, 'agent');
    const client = await staffClient(t, agent);
    await enrol(client);
    const env = { DATABASE_URL: t.database.url, DATA_DIR: t.database.dataDir };
    const r = await runCli(['reset-two-factor', agent.username], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Two-factor sign-in is off for/);
    expect((await passwordStep(agent.username)).r.body.me.id).toBe(agent.user.id);
    const again = await runCli(['reset-two-factor', agent.username], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/not on/);
    expect((await runCli(['reset-two-factor', `nobody-${agent.username}`], env)).code).toBe(1);
    const audit = await t.ctx.services.audit.list({
      action: 'user.two_factor_reset',
      targetId: agent.user.id,
      limit: 1,
      offset: 0,
    });
    expect(audit.entries[0]?.actor.name).toBe('command line');
  });

  describe('required for admins by the setting', () => {
    afterAll(async () => {
      await t.ctx.services.settings.set('security.adminTwoFactorRequired', false, null);
    });

    it('sends admins without it to enrolment and refuses them the rest (HTTP and socket) until they enrol', async () => {
      const admin = await createStaff(t, 'admin');
      const adminClient = await staffClient(t, admin);
      const agentClient = await staffClient(t, await createStaff(t, 'agent'));
      await t.ctx.services.settings.set('security.adminTwoFactorRequired', true, null);

      const session = await adminClient.get('/api/staff/session');
      expect(session.body).toMatchObject({ me: { id: admin.user.id }, twoFactorEnrolmentRequired: true });
      const refused = await adminClient.get('/api/admin/users');
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('two_factor_enrolment_required');
      expect((await adminClient.get('/api/staff/queue')).body.error?.code).toBe('two_factor_enrolment_required');

      const socket: Socket = io(`${t.staffUrl}/staff`, {
        transports: ['websocket'],
        extraHeaders: { cookie: adminClient.cookieHeader(), origin: new URL(t.staffUrl).origin },
        reconnection: false,
      });
      const refusal = await new Promise<{ data?: { error?: { code?: string } } }>((resolve) =>
        socket.on('connect_error', (err) => resolve(err as never)),
      );
      socket.close();
      expect(refusal.data?.error?.code).toBe('two_factor_enrolment_required');

      // Agents are not concerned.
      expect((await agentClient.get('/api/staff/session')).body.twoFactorEnrolmentRequired).toBe(false);

      await enrol(adminClient);
      expect((await adminClient.get('/api/staff/session')).body.twoFactorEnrolmentRequired).toBe(false);
      expect((await adminClient.get('/api/admin/users')).status).toBe(200);
    });
  });

  it('lists a staff member’s sessions with their devices and signs one out', async () => {
    const agent = await createStaff(t, 'agent');
    const here = await staffClient(t, agent);
    const phone = t.staffClient();
    await phone.post(
      '/api/staff/login',
      { login: agent.username, password: PASSWORD },
      {
        headers: {
          'user-agent':
            'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
        },
      },
    );
    const list = await here.get('/api/staff/sessions');
    expect(list.status).toBe(200);
    expect(list.body.sessions).toHaveLength(2);
    const current = list.body.sessions.find((s: { current: boolean }) => s.current);
    const other = list.body.sessions.find((s: { current: boolean }) => !s.current);
    expect(other.device).toMatch(/Safari 17 on iOS/);
    expect(current.ip).toBe('127.0.0.1');

    // Someone else's session is the same 404 as a missing one.
    const colleague = await staffClient(t, await createStaff(t, 'agent'));
    expect((await colleague.delete(`/api/staff/sessions/${other.id}`)).status).toBe(404);
    expect((await phone.get('/api/staff/session')).body.me.id).toBe(agent.user.id);

    expect((await here.delete(`/api/staff/sessions/${other.id}`)).body).toEqual({ ok: true, current: false });
    expect((await phone.get('/api/staff/session')).body.me).toBeNull();
    expect((await here.get('/api/staff/sessions')).body.sessions).toHaveLength(1);
    const audit = await t.ctx.services.audit.list({ actorId: agent.user.id, limit: 50, offset: 0 });
    expect(audit.entries.map((e) => e.action)).toContain('staff.session_revoked');

    expect((await t.staffClient().get('/api/staff/sessions')).status).toBe(401);
  });

  it('lists a customer’s sessions on the account page’s API; staff and visitors cannot use it', async () => {
    const { client, username } = await registerCustomer(t);
    const laptop = t.client();
    await laptop.post('/api/customers/login', { login: username, password: PASSWORD });
    const list = await client.get('/api/customers/sessions');
    expect(list.body.sessions).toHaveLength(2);
    const other = list.body.sessions.find((s: { current: boolean }) => !s.current);
    expect((await client.delete(`/api/customers/sessions/${other.id}`)).status).toBe(200);
    expect((await laptop.get('/api/session')).body.me).toBeNull();

    const mine = list.body.sessions.find((s: { current: boolean }) => s.current);
    const signedOut = await client.delete(`/api/customers/sessions/${mine.id}`);
    expect(signedOut.body).toEqual({ ok: true, current: true });
    expect((await client.get('/api/session')).body.me).toBeNull();

    const visitor = t.client();
    await visitor.post('/api/visitor/session', {});
    expect((await visitor.get('/api/customers/sessions')).status).toBe(403);
    expect((await t.client().get('/api/customers/sessions')).status).toBe(401);
  });
});
