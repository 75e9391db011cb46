import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import { createStaff, registerCustomer } from '../../../test/harness/factories.js';
import { startTestSmtp, type TestSmtp } from '../../../test/harness/smtp.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';

const tokenFrom = (text: string) => /#token=([A-Za-z0-9_-]+)/.exec(text)?.[1];

describeEachDialect('password reset and e-mail verification (real SMTP)', (dialect) => {
  let t: TestApp;
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startTestSmtp();
    t = await startTestApp(dialect, { env: { SMTP_URL: smtp.url, MAIL_FROM: 'Help <help@support.example>' } });
  });
  afterAll(async () => {
    await t?.stop();
    await smtp?.close();
  });

  it('e-mails a single-use link that sets a new password and ends every session', async () => {
    const { client, email, username } = await registerCustomer(t);
    await smtp.next(email); // the verification mail
    const r = await t.client().post('/api/password-reset/request', { email: email.toUpperCase() });
    expect(r.status).toBe(202);
    const mail = await smtp.next(email);
    expect(mail.subject).toMatch(/reset your password/);
    expect(mail.text).toContain(`${t.url}/reset-password#token=`);
    const token = tokenFrom(mail.text)!;
    // The token is stored hashed only.
    const stored = await t.ctx.db.selectFrom('oneTimeTokens').select('tokenHash').execute();
    expect(stored.map((s) => s.tokenHash)).not.toContain(token);

    const weak = await t.client().post('/api/password-reset/confirm', {
      token,
      newPassword: 'password123',
      newPasswordConfirmation: 'password123',
    });
    expect(weak.status).toBe(400);
    const done = await t.client().post('/api/password-reset/confirm', {
      token,
      newPassword: 'reset by e-mail passphrase',
      newPasswordConfirmation: 'reset by e-mail passphrase',
    });
    expect(done.status).toBe(200);
    expect((await client.get('/api/customers/me')).status).toBe(401);
    expect(
      (await t.client().post('/api/customers/login', { login: username, password: 'reset by e-mail passphrase' }))
        .status,
    ).toBe(200);

    const reused = await t.client().post('/api/password-reset/confirm', {
      token,
      newPassword: 'another new passphrase',
      newPasswordConfirmation: 'another new passphrase',
    });
    expect(reused.status).toBe(400);
    expect(reused.body.error.code).toBe('token_invalid');
  });

  it('answers the same for unknown addresses and sends nothing', async () => {
    const r = await t.client().post('/api/password-reset/request', { email: 'nobody@nowhere.example' });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ ok: true });
    await sleep(300);
    expect(smtp.mails.filter((m) => m.to.includes('nobody@nowhere.example'))).toEqual([]);
  });

  it('refuses an expired link', async () => {
    const { email } = await registerCustomer(t);
    await smtp.next(email);
    await t.client().post('/api/password-reset/request', { email });
    const token = tokenFrom((await smtp.next(email)).text)!;
    await t.ctx.db
      .updateTable('oneTimeTokens')
      .set({ expiresAt: Date.now() - 1 })
      .where('purpose', '=', 'password_reset')
      .execute();
    const r = await t.client().post('/api/password-reset/confirm', {
      token,
      newPassword: 'late passphrase xyz',
      newPasswordConfirmation: 'late passphrase xyz',
    });
    expect(r.body.error.code).toBe('token_invalid');
  });

  it('resets staff passwords through the staff side with a staff link', async () => {
    const agent = await createStaff(t, 'agent');
    await t.staffClient().post('/api/staff/password-reset/request', { email: agent.user.email });
    const mail = await smtp.next(agent.user.email);
    expect(mail.text).toContain('/staff/reset-password#token=');
    // A customer reset request for a staff address sends nothing.
    await t.client().post('/api/password-reset/request', { email: agent.user.email });
    await sleep(300);
    expect(smtp.mails.filter((m) => m.to.includes(agent.user.email))).toEqual([]);
  });

  it('verifies a new customer e-mail address', async () => {
    const { client, email } = await registerCustomer(t);
    expect((await client.get('/api/customers/me')).body.emailVerified).toBe(false);
    const token = tokenFrom((await smtp.next(email)).text)!;
    expect((await t.client().post('/api/customers/verify-email', { token })).status).toBe(200);
    expect((await client.get('/api/customers/me')).body.emailVerified).toBe(true);
    expect((await t.client().post('/api/customers/verify-email', { token })).body.error.code).toBe('token_invalid');
  });
});

describeEachDialect('password reset without SMTP', (dialect) => {
  it('says to ask an admin', async () => {
    const t = await startTestApp(dialect);
    try {
      expect((await t.client().get('/api/session')).body.passwordResetByEmail).toBe(false);
      const r = await t.client().post('/api/password-reset/request', { email: 'someone@example.com' });
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('mail_not_configured');
      expect(r.body.error.message).toMatch(/ask an administrator/);
    } finally {
      await t.stop();
    }
  });
});
