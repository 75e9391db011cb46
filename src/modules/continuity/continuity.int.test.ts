import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { WEEKDAYS } from '../../shared/schedule.schemas.js';
import { createTestDatabase, describeEachDialect } from '../../../test/harness/dialects.js';
import {
  createStaff,
  registerCustomer,
  staffClient,
  visitorClient,
  type StaffAccount,
} from '../../../test/harness/factories.js';
import { startTestSmtp, type TestSmtp } from '../../../test/harness/smtp.js';
import { connected, socketClient } from '../../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';

const NY = 'America/New_York';
const ny = (iso: string) => DateTime.fromISO(iso, { zone: NY }).toMillis();
const business = Object.fromEntries(WEEKDAYS.map((d, i) => [d, i < 5 ? [{ start: '09:00', end: '16:30' }] : []]));
const tokenFrom = (text: string) => /\/resume#token=([A-Za-z0-9_-]+)/.exec(text)?.[1];
const unique = () => randomBytes(4).toString('hex');
const env = (smtp: TestSmtp) => ({
  SMTP_URL: smtp.url,
  MAIL_FROM: 'Help <help@support.example>',
  SUPPORT_TIMEZONE: NY,
  OFFLINE_MAIL_DELAY_SECONDS: '0',
  OFFLINE_MAIL_INTERVAL_MINUTES: '10',
});

/** A visitor who started a conversation with an e-mail address, and an agent who joined it. */
async function conversationWithAgent(t: TestApp, agent: StaffAccount, email = `v-${unique()}@visitor.example`) {
  const { client, visitorId } = await visitorClient(t);
  const r = await client.post('/api/conversations', {
    displayName: 'Vera Visitor',
    text: 'My exam upload keeps failing, help!',
    email,
  });
  expect(r.status).toBe(201);
  const conversationId: string = r.body.conversation.id;
  const staff = await staffClient(t, agent);
  expect((await staff.post(`/api/staff/conversations/${conversationId}/join`)).status).toBe(200);
  const say = async (text: string, note = false) => {
    const sent = await staff.post(`/api/staff/conversations/${conversationId}/messages`, {
      clientMsgId: `m-${unique()}`,
      text,
      ...(note ? { note: true } : {}),
    });
    expect(sent.status).toBe(201);
  };
  return { client, visitorId, conversationId, email, staff, say };
}

describeEachDialect('offline continuity (real SMTP)', (dialect) => {
  let t: TestApp;
  let smtp: TestSmtp;
  let agent: StaffAccount;
  const clock = new ManualClock();

  beforeAll(async () => {
    smtp = await startTestSmtp();
    t = await startTestApp(dialect, { clock, env: env(smtp) });
    agent = await createStaff(t, 'agent', { firstName: 'Alice', lastName: 'Archer' });
  });
  afterAll(async () => {
    await t?.stop();
    await smtp?.close();
  });
  beforeEach(async () => {
    clock.set(ny('2026-11-23T10:00')); // Monday, open
    await t.ctx.services.schedule.setWeek(business, 'admin');
    await t.ctx.services.settings.set('conversations.emailRequiredWhileClosed', false, null);
    smtp.mails.length = 0;
  });

  /** Mails to `to` after the queue was processed (none expected). */
  async function mailsTo(to: string): Promise<unknown[]> {
    await t.ctx.services.replyMail.processDue();
    await sleep(200);
    return smtp.mails.filter((m) => m.to.includes(to));
  }

  it('while closed, requires an e-mail from visitors when the admin says so, and accepts the conversation', async () => {
    clock.set(ny('2026-11-28T12:00')); // Saturday
    await t.ctx.services.settings.set('conversations.emailRequiredWhileClosed', true, null);
    const settings = (await t.client().get('/api/settings/public')).body;
    expect(settings.emailRequiredWhileClosed).toBe(true);
    expect(settings.mailConfigured).toBe(true); // SMTP_URL is set: transcripts and reply e-mails are offered
    const { client, visitorId } = await visitorClient(t);
    const refused = await client.post('/api/conversations', { displayName: 'Vera', text: 'Anyone there today?' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('validation_failed');
    expect(refused.body.error.details.fields).toEqual([
      expect.objectContaining({ path: 'email', code: 'email_required_while_closed' }),
    ]);
    expect(
      await t.ctx.db.selectFrom('conversations').select('id').where('visitorId', '=', visitorId).execute(),
    ).toEqual([]);

    const ok = await client.post('/api/conversations', {
      displayName: 'Vera',
      text: 'Anyone there today?',
      email: 'vera@visitor.example',
    });
    expect(ok.status).toBe(201);
    expect(ok.body.offline).toEqual({
      message: "We're closed right now. We'll be back at 9:00 AM Monday (EST); your message is waiting in the queue.",
      nextAvailable: { at: '2026-11-30T09:00:00.000-05:00', text: '9:00 AM Monday (EST)' },
    });
    const history = await client.get(`/api/conversations/${ok.body.conversation.id}/messages`);
    expect(history.body.messages.map((m: { kind: string; seq: number }) => [m.seq, m.kind])).toEqual([
      [1, 'text'],
      [2, 'system'],
    ]);
    expect(ok.body.conversation.status).toBe('waiting');

    // A signed-in customer has an address on the account: not asked again.
    const customer = await registerCustomer(t);
    await smtp.next(customer.email);
    const c = await customer.client.post('/api/conversations', { text: 'Hello from a customer account' });
    expect(c.status).toBe(201);
    // While open, the e-mail stays optional.
    clock.set(ny('2026-11-30T10:00'));
    const open = await (
      await visitorClient(t)
    ).client.post('/api/conversations', {
      displayName: 'Olga',
      text: 'Hello during opening hours',
    });
    expect(open.status).toBe(201);
    expect(open.body.offline).toBeNull();
  });

  it('e-mails an agent reply to a visitor who is not connected, with a single-use resume link; never notes', async () => {
    const c = await conversationWithAgent(t, agent);
    await c.say('Internal: this student already asked twice', true);
    await c.say('Hi Vera, try a file under 5 MB & tell me how it goes.');
    const mail = await smtp.next(c.email);
    expect(mail.subject).toBe('Support Central: a new reply from Alice Archer (Support)');
    expect(mail.from).toBe('help@support.example');
    expect(mail.text).toContain('Hello Vera Visitor,');
    expect(mail.text).toContain('    Hi Vera, try a file under 5 MB & tell me how it goes.');
    expect(mail.text).toContain(`${t.url}/resume#token=`);
    expect(mail.text).not.toContain('Internal');
    expect(mail.text).not.toContain('joined the chat');
    expect(mail.text).not.toContain('My exam upload');
    const token = tokenFrom(mail.text)!;
    const stored = await t.ctx.db.selectFrom('oneTimeTokens').select('tokenHash').execute();
    expect(stored.map((s) => s.tokenHash)).not.toContain(token);
    // A note alone never sends anything.
    await c.say('Another private note', true);
    expect(await mailsTo(c.email)).toEqual([]);

    // The link restores the visitor in a new browser, once.
    const browser = t.client();
    const resumed = await browser.post('/api/conversations/resume', { token });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toEqual({ conversationId: c.conversationId });
    expect(resumed.headers.get('set-cookie')).toMatch(/sc_session=.*HttpOnly/i);
    const history = await browser.get(`/api/conversations/${c.conversationId}/messages`);
    expect(history.status).toBe(200);
    expect(history.body.messages.map((m: { text: string }) => m.text)).toContain(
      'Hi Vera, try a file under 5 MB & tell me how it goes.',
    );
    expect((await browser.get('/api/session')).body.me).toMatchObject({ kind: 'visitor', id: c.visitorId });

    const again = t.client();
    const reused = await again.post('/api/conversations/resume', { token });
    expect(reused.status).toBe(400);
    expect(reused.body.error.code).toBe('token_invalid');
    expect(reused.headers.get('set-cookie')).toBeNull();
    expect((await again.get(`/api/conversations/${c.conversationId}`)).status).toBe(401);
  });

  it('refuses an expired or made-up resume link without a session', async () => {
    const c = await conversationWithAgent(t, agent);
    await c.say('Your answer is ready.');
    const token = tokenFrom((await smtp.next(c.email)).text)!;
    clock.advance(7 * 24 * 3_600_000 + 1);
    for (const bad of [token, 'x'.repeat(43), 'short', '../../etc']) {
      const browser = t.client();
      const r = await browser.post('/api/conversations/resume', { token: bad });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('token_invalid');
      expect(r.headers.get('set-cookie')).toBeNull();
      expect((await browser.get('/api/session')).body.me).toBeNull();
    }
    const wrongType = await t.client().post('/api/conversations/resume', { token: { $ne: null } });
    expect(wrongType.status).toBe(400);
  });

  it('asks a customer to sign in instead of resuming their conversation from a link', async () => {
    const customer = await registerCustomer(t);
    await smtp.next(customer.email);
    const start = await customer.client.post('/api/conversations', {
      text: 'A question from my account',
      email: customer.email,
    });
    const id: string = start.body.conversation.id;
    const staff = await staffClient(t, agent);
    await staff.post(`/api/staff/conversations/${id}/join`);
    await staff.post(`/api/staff/conversations/${id}/messages`, { clientMsgId: `m-${unique()}`, text: 'Answered!' });
    const mail = await smtp.next(customer.email);
    expect(mail.text).toContain(`${t.url}/signin?next=${encodeURIComponent(`/c/${id}`)}`);
    expect(tokenFrom(mail.text)).toBeUndefined();
    // Even a resume token for it (say, the visitor signed up after the e-mail) does not sign anyone in.
    const token = await t.ctx.services.resume.issue(id);
    const r = await t.client().post('/api/conversations/resume', { token });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('sign_in_required');
    expect(r.headers.get('set-cookie')).toBeNull();
  });

  it('sends nothing while the visitor is connected, and batches replies within the interval', async () => {
    const c = await conversationWithAgent(t, agent);
    const socket = socketClient(t.url, '/visitor', { cookie: c.client.cookieHeader() });
    try {
      await connected(socket);
      await c.say('You are here, so no e-mail.');
      expect(await mailsTo(c.email)).toEqual([]);
    } finally {
      socket.close();
    }
    await sleep(100);
    await c.say('First answer while you were away.');
    expect((await smtp.next(c.email)).text).toContain('First answer while you were away.');
    await c.say('Second answer.');
    await c.say('Third answer.');
    // Within ten minutes of the last e-mail: nothing yet.
    clock.advance(9 * 60_000);
    expect(await mailsTo(c.email)).toEqual([]);
    clock.advance(60_000);
    await t.ctx.services.replyMail.processDue();
    const batch = await smtp.next(c.email);
    expect(batch.subject).toBe('Support Central: 2 new replies');
    expect(batch.text).toMatch(/Second answer\.[\s\S]*Third answer\./);
    expect(batch.text).not.toContain('First answer');
    expect(await mailsTo(c.email)).toEqual([]);
  });

  it('sends no e-mail for a reply written while the visitor was there, even if they leave before it is looked at', async () => {
    const c = await conversationWithAgent(t, agent);
    const socket = socketClient(t.url, '/visitor', { cookie: c.client.cookieHeader() });
    // The reply's outbox row waits (the runner is paused) until the visitor has gone: the decision is about the
    // moment the reply was written, not the moment the row is carried out.
    await t.ctx.jobs.stop();
    try {
      await connected(socket);
      await c.say('Seen live, so no e-mail even after you leave.');
      socket.close();
      await sleep(100);
      expect(await t.ctx.jobs.drainOutbox()).toBeGreaterThan(0);
      await t.ctx.services.replyMail.processDue();
      await sleep(200);
      expect(smtp.mails.filter((m) => m.to.includes(c.email))).toEqual([]);
    } finally {
      socket.close();
      t.ctx.jobs.start();
    }
  });

  it('drops queued replies when the visitor comes back before the e-mail goes', async () => {
    const c = await conversationWithAgent(t, agent);
    await c.say('Reply one.');
    await smtp.next(c.email);
    await c.say('Reply two, queued behind the interval.');
    const socket = socketClient(t.url, '/visitor', { cookie: c.client.cookieHeader() });
    try {
      await connected(socket);
      clock.advance(10 * 60_000);
      expect(await mailsTo(c.email)).toEqual([]);
      expect(
        await t.ctx.db
          .selectFrom('offlineReplyQueue')
          .selectAll()
          .where('conversationId', '=', c.conversationId)
          .execute(),
      ).toEqual([]);
    } finally {
      socket.close();
    }
  });

  it('e-mails the transcript of an ended conversation on request: public messages and system lines, no notes', async () => {
    const c = await conversationWithAgent(t, agent);
    const socket = socketClient(t.url, '/visitor', { cookie: c.client.cookieHeader() });
    await connected(socket);
    try {
      await c.say('Secret staff note about Vera', true);
      await c.say('Here is the fix:\n1. clear the cache\n2. upload again');
      const early = await c.client.post(`/api/conversations/${c.conversationId}/transcript`, {});
      expect(early.status).toBe(409);
      expect((await c.staff.post(`/api/staff/conversations/${c.conversationId}/close`)).status).toBe(200);
    } finally {
      socket.close();
    }
    const stranger = await visitorClient(t);
    expect((await stranger.client.post(`/api/conversations/${c.conversationId}/transcript`, {})).status).toBe(404);

    const r = await c.client.post(`/api/conversations/${c.conversationId}/transcript`, {});
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ sentTo: c.email });
    const mail = await smtp.next(c.email);
    expect(mail.subject).toBe('Support Central: your conversation transcript');
    expect(mail.text).toContain('Monday, November 23, 2026');
    expect(mail.text).toMatch(/10:00 AM {2}Vera Visitor:\n {4}My exam upload keeps failing, help!/);
    expect(mail.text).toContain('— Alice Archer joined the chat —');
    expect(mail.text).toContain(
      'Alice Archer (Support):\n    Here is the fix:\n    1. clear the cache\n    2. upload again',
    );
    expect(mail.text).toContain('— Alice Archer closed the chat —');
    expect(mail.text).not.toContain('Secret staff note');
    expect(mail.text).toContain('Times are in America/New York.');

    const other = await c.client.post(`/api/conversations/${c.conversationId}/transcript`, {
      email: 'Other@Example.org ',
    });
    expect(other.status).toBe(200);
    expect(other.body.sentTo).toBe('Other@Example.org');
    await smtp.next('Other@example.org'); // domains are case-insensitive; SMTP lower-cases them
    expect((await c.client.post(`/api/conversations/${c.conversationId}/transcript`, { email: 'nope' })).status).toBe(
      400,
    );
    expect((await c.client.post(`/api/conversations/${c.conversationId}/transcript`, {})).status).toBe(200);
    await smtp.next(c.email);
    const capped = await c.client.post(`/api/conversations/${c.conversationId}/transcript`, {});
    expect(capped.status).toBe(429);
    expect(capped.body.error.message).toMatch(/already e-mailed 3 times/);
  });
});

describeEachDialect('offline reply e-mails across two instances', (dialect) => {
  it('are sent once, whichever instances look for due mail', async () => {
    const smtp = await startTestSmtp();
    const database = await createTestDatabase(dialect);
    const clock = new ManualClock(ny('2026-11-23T10:00'));
    // A long delay: the reply waits in the queue until both instances race for it below.
    const e = { ...env(smtp), OFFLINE_MAIL_DELAY_SECONDS: '600' };
    const a = await startTestApp(dialect, { database, clock, env: e });
    const b = await startTestApp(dialect, { database, clock, env: e });
    try {
      const agent = await createStaff(a, 'agent', { firstName: 'Alice', lastName: 'Archer' });
      const c = await conversationWithAgent(a, agent);
      await c.say('Only one e-mail, please.');
      await expect
        .poll(async () => (await a.ctx.db.selectFrom('offlineReplyQueue').selectAll().execute()).length)
        .toBe(1);
      clock.advance(600_000);
      const passes = [a, b, a, b].map((app) => app.ctx.services.replyMail.processDue());
      await Promise.all(passes);
      await Promise.all([a.ctx.services.replyMail.processDue(), b.ctx.services.replyMail.processDue()]);
      await sleep(300);
      expect(smtp.mails.filter((m) => m.to.includes(c.email))).toHaveLength(1);
    } finally {
      await b.stop();
      await a.stop();
      await database.drop();
      await smtp.close();
    }
  });
});
