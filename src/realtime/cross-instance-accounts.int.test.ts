import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test/harness/dialects.js';
import { REDIS_URL } from '../../test/harness/environment.js';
import { createStaff, PASSWORD, registerCustomer, staffClient } from '../../test/harness/factories.js';
import { HttpClient } from '../../test/harness/http-client.js';
import { connected, nextEvent, socketClient } from '../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

/**
 * Two instances of the app on one PostgreSQL database, with the Redis bus between them: what one instance does to
 * a session, a contact or a setting takes effect on the other's sockets, caches and requests.
 */
describe.skipIf(!DIALECTS.includes('postgres'))('accounts and personal data across two instances', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const env = { REDIS_URL, REDIS_KEY_PREFIX: `x${randomBytes(4).toString('hex')}` };
    a = await startTestApp('postgres', { env });
    b = await startTestApp('postgres', { env, database: a.database });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('signing a device out on one instance closes its socket on the other', async () => {
    const agent = await createStaff(a, 'agent');
    const here = await staffClient(a, agent);
    const there = new HttpClient(b.url);
    await there.post('/api/staff/login', { login: agent.username, password: PASSWORD });
    const socket = socketClient(b.url, '/staff', { cookie: there.cookieHeader() });
    await connected(socket);
    const ended = nextEvent<{ reason: string }>(socket, 'session:ended');
    const other = (await here.get('/api/staff/sessions')).body.sessions.find((s: { current: boolean }) => !s.current);
    expect((await here.delete(`/api/staff/sessions/${other.id}`)).status).toBe(200);
    expect((await ended).reason).toBe('signed_out_remotely');
    socket.close();
  });

  it('an erasure on one instance signs the contact out and forgets its keys on the other', async () => {
    const customer = await registerCustomer(a);
    const start = await customer.client.post('/api/conversations', {
      text: 'Please forget me on every server.',
      clientMsgId: `c-${randomBytes(6).toString('hex')}`,
    });
    const conversationId: string = start.body.conversation.id;
    // Instance B reads the conversation (its key is now in B's cache) and holds the customer's socket.
    const onB = new HttpClient(b.url);
    onB.cookies.set('sc_session', customer.client.cookies.get('sc_session')!);
    expect((await onB.get(`/api/conversations/${conversationId}/messages?after=0`)).status).toBe(200);
    const socket = socketClient(b.url, '/visitor', { cookie: onB.cookieHeader() });
    await connected(socket);
    const ended = nextEvent<{ reason: string }>(socket, 'session:ended');
    const sealed = await a.ctx.db
      .selectFrom('messages')
      .select(['id', 'body'])
      .where('conversationId', '=', conversationId)
      .executeTakeFirstOrThrow();
    await expect(
      b.ctx.services.keys.decryptFor(conversationId, sealed.body, `msg:${conversationId}:${sealed.id}`),
    ).resolves.toBeInstanceOf(Buffer);

    const admin = await staffClient(a, await createStaff(a, 'admin'));
    expect((await admin.post(`/api/admin/contacts/customer/${customer.id}/erase`)).status).toBe(200);
    expect((await ended).reason).toBe('erased');
    await expect
      .poll(() =>
        b.ctx.services.keys.decryptFor(conversationId, sealed.body, `msg:${conversationId}:${sealed.id}`).then(
          () => 'readable',
          () => 'shredded',
        ),
      )
      .toBe('shredded');
    socket.close();
  });

  it('requiring two-factor for admins on one instance applies on the other at once', async () => {
    const admin = await createStaff(a, 'admin');
    const onB = new HttpClient(b.staffUrl);
    await onB.post('/api/staff/login', { login: admin.username, password: PASSWORD });
    expect((await onB.get('/api/admin/users')).status).toBe(200);
    const other = await staffClient(a, await createStaff(a, 'admin'));
    expect((await other.patch('/api/admin/settings', { 'security.adminTwoFactorRequired': true })).status).toBe(200);
    try {
      await expect
        .poll(async () => (await onB.get('/api/admin/users')).body.error?.code)
        .toBe('two_factor_enrolment_required');
    } finally {
      await a.ctx.services.settings.set('security.adminTwoFactorRequired', false, null);
    }
  });
});
