import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import {
  createStaff,
  PASSWORD,
  registerCustomer,
  staffClient,
  visitorClient,
} from '../../../test/harness/factories.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';

describeEachDialect('sign-in, sessions and customer accounts', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t?.stop());

  describe('visitor sessions', () => {
    it('issues an httpOnly, SameSite=Lax, persistent 24 h cookie that is never in a URL or the body', async () => {
      const client = t.client();
      const r = await client.post('/api/visitor/session', {});
      expect(r.status).toBe(201);
      const cookie = r.headers.getSetCookie().find((c) => c.startsWith('sc_session='))!;
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).toMatch(/Max-Age=86400/i);
      expect(r.body.token).toBeUndefined();
      const token = cookie.split(';')[0]!.split('=')[1]!;
      expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);
      expect((await client.get('/api/session')).body.me).toMatchObject({ kind: 'visitor', id: r.body.me.id });
    });

    it('is idempotent for a browser that already has one', async () => {
      const { client, visitorId } = await visitorClient(t);
      const again = await client.post('/api/visitor/session', {});
      expect(again.status).toBe(200);
      expect(again.body.me.id).toBe(visitorId);
    });

    it('gives API clients a bearer token instead of a cookie', async () => {
      const r = await t.client().post('/api/visitor/session', { transport: 'bearer' });
      expect(r.status).toBe(201);
      expect(r.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(r.headers.getSetCookie()).toEqual([]);
      const api = t.client().withBearer(r.body.token);
      expect((await api.get('/api/session')).body.me.kind).toBe('visitor');
    });

    it('keeps the visitor signed in when staff sign in and out in the same browser', async () => {
      const { client, visitorId } = await visitorClient(t);
      const agent = await createStaff(t, 'agent');
      expect((await client.post('/api/staff/login', { login: agent.username, password: PASSWORD })).status).toBe(200);
      expect(client.cookies.has('sc_staff')).toBe(true);
      expect((await client.get('/api/session')).body.me.id).toBe(visitorId);
      expect((await client.post('/api/staff/logout')).status).toBe(200);
      expect(client.cookies.has('sc_staff')).toBe(false);
      expect((await client.get('/api/session')).body.me.id).toBe(visitorId);
    });

    it('refuses expired and revoked tokens', async () => {
      const r = await t.client().post('/api/visitor/session', { transport: 'bearer' });
      const api = t.client().withBearer(r.body.token);
      expect((await api.post('/api/customers/logout')).status).toBe(200);
      expect((await api.get('/api/session')).body.me).toBeNull();
      expect((await t.client().withBearer('x'.repeat(43)).get('/api/session')).body.me).toBeNull();
    });
  });

  describe('customers', () => {
    it('register, sign in by e-mail or username, and sign out', async () => {
      const { username, email } = await registerCustomer(t);
      const byEmail = t.client();
      const r1 = await byEmail.post('/api/customers/login', { login: email.toUpperCase(), password: PASSWORD });
      expect(r1.status).toBe(200);
      expect(r1.body.me).toMatchObject({ kind: 'customer', username, email });
      const byName = t.client();
      expect((await byName.post('/api/customers/login', { login: username, password: PASSWORD })).status).toBe(200);
      expect((await byName.get('/api/customers/me')).body.username).toBe(username);
      expect((await byName.post('/api/customers/logout')).status).toBe(200);
      expect((await byName.get('/api/customers/me')).status).toBe(401);
      // The other device is unaffected by this logout.
      expect((await byEmail.get('/api/customers/me')).status).toBe(200);
    });

    it.each([
      ['a short password', { password: 'short', passwordConfirmation: 'short' }, 'password', /at least 10/],
      ['a common password', { password: 'password123', passwordConfirmation: 'password123' }, 'password', /too common/],
      [
        'the username as password',
        { username: 'quietriver', password: 'quietriver', passwordConfirmation: 'quietriver' },
        'password',
        /username/,
      ],
      [
        'a mismatched confirmation',
        { passwordConfirmation: 'something else entirely' },
        'passwordConfirmation',
        /does not match/,
      ],
      ['a bad e-mail', { email: 'not-an-email' }, 'email', /valid e-mail/],
      ['a look-alike (Cyrillic) username', { username: 'аdmin' }, 'username', /only letters/],
      ['a 10 kB username', { username: 'u'.repeat(10_000) }, 'username', /at most 32/],
    ])('refuses registration with %s, showing the field', async (_name, override, field, message) => {
      const r = await t.client().post('/api/customers/register', {
        email: `x${Math.random()}@customer.example`,
        username: `u${Math.floor(Math.random() * 1e9)}`,
        displayName: 'Pat',
        password: 'a perfectly fine passphrase',
        passwordConfirmation: 'a perfectly fine passphrase',
        ...override,
      });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
      const problem = r.body.error.details.fields.find((f: { path: string }) => f.path.endsWith(field));
      expect(problem?.message).toMatch(message);
    });

    it('refuses a duplicate e-mail (any case) and a duplicate username (after NFKC, any case)', async () => {
      const { username, email } = await registerCustomer(t);
      const dupEmail = await t.client().post('/api/customers/register', {
        email: email.toUpperCase(),
        username: `other${Date.now()}`,
        displayName: 'Pat',
        password: PASSWORD,
        passwordConfirmation: PASSWORD,
      });
      expect(dupEmail.status).toBe(409);
      expect(dupEmail.body.error.code).toBe('already_exists');
      const fullwidth = [...username.toUpperCase()]
        .map((c) => (/[A-Z]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c))
        .join('');
      const dupName = await t.client().post('/api/customers/register', {
        email: `fresh${Date.now()}@customer.example`,
        username: fullwidth,
        displayName: 'Pat',
        password: PASSWORD,
        passwordConfirmation: PASSWORD,
      });
      expect(dupName.status).toBe(409);
      expect(dupName.body.error.details.fields[0].path).toBe('username');
    });

    it('keep the visitor identity (and so its open conversation) when a visitor registers', async () => {
      const { client, visitorId } = await visitorClient(t);
      await registerCustomer(t, client);
      const me = await client.get('/api/session');
      expect(me.body.me.kind).toBe('customer');
      const row = await t.ctx.db.selectFrom('visitors').selectAll().where('id', '=', visitorId).executeTakeFirst();
      expect(row?.customerId).toBe(me.body.me.id);
    });

    it('change password: this browser stays signed in, every other session ends', async () => {
      const { client, username } = await registerCustomer(t);
      const other = t.client();
      await other.post('/api/customers/login', { login: username, password: PASSWORD });
      const wrong = await client.post('/api/customers/password', {
        currentPassword: 'not my password at all',
        newPassword: 'a brand new passphrase',
        newPasswordConfirmation: 'a brand new passphrase',
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.details.fields[0].path).toBe('currentPassword');
      const r = await client.post('/api/customers/password', {
        currentPassword: PASSWORD,
        newPassword: 'a brand new passphrase',
        newPasswordConfirmation: 'a brand new passphrase',
      });
      expect(r.status).toBe(200);
      expect((await client.get('/api/customers/me')).status).toBe(200);
      expect((await other.get('/api/customers/me')).status).toBe(401);
      expect(
        (await t.client().post('/api/customers/login', { login: username, password: 'a brand new passphrase' })).status,
      ).toBe(200);
    });

    it('log out everywhere ends every session of the account', async () => {
      const { client, username } = await registerCustomer(t);
      const other = t.client();
      await other.post('/api/customers/login', { login: username, password: PASSWORD });
      expect((await client.post('/api/customers/logout-everywhere')).body.ended).toBe(2);
      expect((await client.get('/api/customers/me')).status).toBe(401);
      expect((await other.get('/api/customers/me')).status).toBe(401);
    });
  });

  describe('bad sign-in input', () => {
    it('answers wrong password, unknown user and deactivated user with one identical error', async () => {
      const agent = await createStaff(t, 'agent');
      const gone = await createStaff(t, 'agent');
      const admin = await createStaff(t, 'admin');
      const adminClient = await staffClient(t, admin);
      await adminClient.post(`/api/admin/users/${gone.user.id}/deactivate`);
      const attempts = [
        { login: agent.username, password: 'wrong password here' },
        { login: 'nobody-by-this-name', password: PASSWORD },
        { login: gone.username, password: PASSWORD },
      ];
      const bodies = [];
      for (const body of attempts) {
        const r = await t.staffClient().post('/api/staff/login', body);
        expect(r.status).toBe(401);
        bodies.push(r.text);
      }
      expect(new Set(bodies).size).toBe(1);
      expect(JSON.parse(bodies[0]!).error.code).toBe('invalid_credentials');
    });

    it.each([
      ['an operator object as password', { login: 'someone', password: { $ne: null } }],
      ['an array as login', { login: ['a', 'b'], password: 'x' }],
      ['a number as password', { login: 'someone', password: 12345 }],
      ['an unknown key', { login: 'someone', password: 'x', isAdmin: true }],
    ])('refuses %s with 400 validation_failed', async (_name, body) => {
      const r = await t.staffClient().post('/api/staff/login', body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    });

    it('refuses __proto__ keys', async () => {
      const r = await t.staffClient().post('/api/staff/login', undefined, {
        raw: '{"login":"a","password":"b","__proto__":{"role":"admin"}}',
        headers: { 'content-type': 'application/json' },
      });
      expect(r.status).toBe(400);
    });

    it('ignores ?next= pointing elsewhere (same-origin paths only)', async () => {
      const agent = await createStaff(t, 'agent');
      for (const next of ['https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)']) {
        const r = await t
          .staffClient()
          .post(`/api/staff/login?next=${encodeURIComponent(next)}`, { login: agent.username, password: PASSWORD });
        expect(r.body.redirectTo).toBe('/staff');
      }
      const fine = await t.staffClient().post(`/api/staff/login?next=${encodeURIComponent('/staff/admin/users?x=1')}`, {
        login: agent.username,
        password: PASSWORD,
      });
      expect(fine.body.redirectTo).toBe('/staff/admin/users?x=1');
    });

    it('throttles 20 fast wrong logins with 429 and Retry-After, even for the right password afterwards', async () => {
      const agent = await createStaff(t, 'agent');
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 20; i++) {
        const r = await t
          .staffClient()
          .post('/api/staff/login', { login: agent.username, password: `wrong-${i}-password` });
        statuses.push(r.status);
        if (r.status === 429) retryAfter = r.headers.get('retry-after');
      }
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      const right = await t.staffClient().post('/api/staff/login', { login: agent.username, password: PASSWORD });
      expect(right.status).toBe(429);
      // An unknown name is throttled the same way: no hint that the account exists.
      const ghost: number[] = [];
      for (let i = 0; i < 6; i++)
        ghost.push(
          (await t.staffClient().post('/api/staff/login', { login: 'ghost-user', password: `p${i}xxxxxxxxx` })).status,
        );
      expect(ghost).toEqual([401, 401, 401, 401, 401, 429]);
    });
  });

  describe('CSRF and methods', () => {
    it('refuses a cookie-authenticated write from a foreign origin', async () => {
      const { client } = await registerCustomer(t);
      client.withOrigin('https://evil.example');
      const r = await client.post('/api/customers/logout-everywhere');
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('csrf_failed');
      client.withOrigin(new URL(t.url).origin);
      expect((await client.get('/api/customers/me')).status).toBe(200);
    });

    it('never changes state over GET', async () => {
      const { client } = await registerCustomer(t);
      for (const path of ['/api/customers/logout', '/api/customers/logout-everywhere', '/api/staff/logout']) {
        expect((await client.get(path)).status).toBe(404);
      }
      expect((await client.get('/api/customers/me')).status).toBe(200);
    });
  });
});

describeEachDialect('sign-in throttle by account and client', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    // Behind a proxy on loopback, X-Forwarded-For tells the clients apart.
    t = await startTestApp(dialect, { env: { TRUST_PROXY: 'loopback' } });
  });
  afterAll(() => t?.stop());

  const login = async (from: string, username: string, password: string) =>
    (
      await t
        .staffClient()
        .post('/api/staff/login', { login: username, password }, { headers: { 'x-forwarded-for': from } })
    ).status;

  it("locks the attacker's address out of the account, not the account's owner at another address", async () => {
    const agent = await createStaff(t, 'agent');
    const attacker: number[] = [];
    for (let i = 0; i < 7; i++) attacker.push(await login('203.0.113.66', agent.username, `wrong-${i}-password`));
    expect(attacker).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // The attacker's address stays locked even with the right password…
    expect(await login('203.0.113.66', agent.username, PASSWORD)).toBe(429);
    // …while the owner, elsewhere, signs in.
    expect(await login('198.51.100.9', agent.username, PASSWORD)).toBe(200);
    // IPv6 neighbours in the attacker's /64 are the same client.
    const v6: number[] = [];
    for (let i = 0; i < 6; i++) v6.push(await login(`2001:db8:66:1::${i + 1}`, agent.username, `wrong-${i}-password`));
    expect(v6).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('under a distributed guess, refuses new addresses for that account but lets its owner’s known address in', async () => {
    const agent = await createStaff(t, 'agent');
    expect(await login('198.51.100.20', agent.username, PASSWORD)).toBe(200);
    // 100 failures from 25 addresses, 4 each: no single address reaches its own limit.
    for (let a = 0; a < 25; a++) {
      for (let i = 0; i < 4; i++)
        expect(await login(`192.0.2.${a + 1}`, agent.username, `guess-${a}-${i}-xx`)).toBe(401);
    }
    expect(await login('192.0.2.200', agent.username, PASSWORD)).toBe(429);
    expect(await login('198.51.100.20', agent.username, PASSWORD)).toBe(200);
  });
});
