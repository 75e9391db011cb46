import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Clock } from '../../core/clock.js';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import {
  createStaff,
  registerCustomer,
  staffClient,
  visitorClient,
  visitorWithConversation,
} from '../../../test/harness/factories.js';
import type { HttpClient } from '../../../test/harness/http-client.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/harness/webhook-receiver.js';
import { WEBHOOK_HEADERS } from '../../shared/integrations.js';
import { signWebhook, verifyWebhookSignature } from './webhook-signature.js';
import { WEBHOOK_MESSAGE_TOPIC } from './webhook-delivery.service.js';

/** Real time, moved forward by hand: backoffs pass at once, and rows stamped with the system clock are due too. */
class ShiftedClock implements Clock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

const ALL_EVENTS = ['conversation.created', 'conversation.assigned', 'conversation.closed', 'message.created'];

describeEachDialect('webhooks: signed deliveries to a real receiver, retries, SSRF, the log', (dialect) => {
  let t: TestApp;
  let clock: ShiftedClock;
  let admin: HttpClient;
  let agent: HttpClient;
  let agentName: string;
  let receiver: WebhookReceiver;
  let endpointIds: string[] = [];

  beforeAll(async () => {
    clock = new ShiftedClock();
    t = await startTestApp(dialect, {
      clock,
      env: { WEBHOOK_TIMEOUT_SECONDS: '1', WEBHOOK_FIRST_RETRY_SECONDS: '30', WEBHOOK_RETRY_HOURS: '24' },
    });
  });
  afterAll(() => t?.stop());
  beforeEach(async () => {
    // Fresh sessions each time: a test that moves the clock a day on outlives staff sessions.
    admin = await staffClient(t, await createStaff(t, 'admin'));
    const a = await createStaff(t, 'agent');
    agentName = a.user.displayName;
    agent = await staffClient(t, a);
    receiver = await startWebhookReceiver();
    receiver.nowSeconds = () => Math.floor(clock.now() / 1000);
  });
  afterEach(async () => {
    // Each test's endpoints go, so the next one starts with no subscriber.
    for (const id of endpointIds) await admin.delete(`/api/admin/webhooks/${id}`);
    endpointIds = [];
    await receiver.close();
  });

  async function register(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
    const r = await admin.post('/api/admin/webhooks', {
      url: `${receiver.url}/hook`,
      events: ALL_EVENTS,
      allowPrivateNetwork: true,
      ...body,
    });
    expect(r.status, r.text).toBe(201);
    endpointIds.push(r.body.endpoint.id);
    return { id: r.body.endpoint.id, secret: r.body.secret };
  }

  const deliveries = async (query = '') =>
    (await admin.get(`/api/admin/webhook-deliveries?pageSize=100${query}`)).body.deliveries as any[];

  it('refuses private, loopback and plain-http targets unless the endpoint allows them; shows the secret once', async () => {
    for (const url of [
      'https://127.0.0.1/hook',
      'https://localhost/x',
      'https://[::1]/x',
      'https://169.254.169.254/latest',
      'https://10.0.0.8/',
    ]) {
      const r = await admin.post('/api/admin/webhooks', { url, events: ['message.created'] });
      expect(r.status, url).toBe(400);
      expect(r.body.error.code).toBe('webhook_target_refused');
    }
    const http = await admin.post('/api/admin/webhooks', {
      url: 'http://hooks.example.com/x',
      events: ['message.created'],
    });
    expect(http.status).toBe(400);
    expect(http.body.error.details.fields[0]).toMatchObject({ path: 'body.url' });
    const bad = await admin.post('/api/admin/webhooks', { url: 'https://hooks.example.com/x', events: ['nope'] });
    expect(bad.status).toBe(400);
    const ok = await register({});
    expect(ok.secret).toMatch(/^whsec_/);
    const listed = await admin.get('/api/admin/webhooks');
    expect(listed.text).not.toContain(ok.secret);
    // Stored sealed: the secret's text is nowhere in the row.
    const row = await t.ctx.db
      .selectFrom('webhookEndpoints')
      .selectAll()
      .where('id', '=', ok.id)
      .executeTakeFirstOrThrow();
    expect(row.secret.toString('latin1')).not.toContain(ok.secret);
  });

  it('delivers every lifecycle event and message, signed, exactly once each; notes only to endpoints that opt in', async () => {
    const plain = await register({});
    const notesReceiver = await startWebhookReceiver();
    notesReceiver.nowSeconds = receiver.nowSeconds;
    const withNotes = await admin.post('/api/admin/webhooks', {
      url: `${notesReceiver.url}/hook`,
      events: ['message.created'],
      includeNotes: true,
      allowPrivateNetwork: true,
    });
    endpointIds.push(withNotes.body.endpoint.id);
    receiver.secret = plain.secret;
    notesReceiver.secret = withNotes.body.secret;
    try {
      const v = await visitorWithConversation(t, 'My printer is on fire, please help.', 'Pat Printer');
      const id = v.conversationId;
      await agent.post(`/api/staff/conversations/${id}/join`);
      await agent.post(`/api/staff/conversations/${id}/messages`, { clientMsgId: randomUUID(), text: 'On my way!' });
      await agent.post(`/api/staff/conversations/${id}/messages`, {
        clientMsgId: randomUUID(),
        text: 'internal: call facilities',
        note: true,
      });
      await agent.post(`/api/staff/conversations/${id}/close`);

      // Five deliveries through the outbox and the jobs runner: on a loaded CI machine they took over 5 s once.
      await expect
        .poll(
          () =>
            receiver.received
              .map((r) => r.json.type)
              .sort()
              .join(),
          { timeout: 15_000 },
        )
        .toBe('conversation.assigned,conversation.closed,conversation.created,message.created,message.created');
      await expect.poll(() => notesReceiver.received.length, { timeout: 15_000 }).toBe(3);
      const types = receiver.received.map((r) => r.json.type).sort();
      expect(types).toEqual([
        'conversation.assigned',
        'conversation.closed',
        'conversation.created',
        'message.created',
        'message.created',
      ]);
      for (const r of receiver.received) {
        expect(r.verdict).toEqual({ ok: true });
        expect(r.headers[WEBHOOK_HEADERS.eventId]).toBe(r.json.id);
        expect(r.headers[WEBHOOK_HEADERS.event]).toBe(r.json.type);
        expect(r.headers['content-type']).toBe('application/json');
        expect(r.json.data.conversation.id).toBe(id);
      }
      // Exactly once: every event id once.
      expect(new Set(receiver.received.map((r) => r.json.id)).size).toBe(5);
      const texts = receiver.of('message.created').map((r) => r.json.data.message.text);
      expect(texts).toEqual(expect.arrayContaining(['My printer is on fire, please help.', 'On my way!']));
      expect(texts).not.toContain('internal: call facilities');
      const assigned = receiver.of('conversation.assigned')[0]!;
      expect(assigned.json.data.change).toMatchObject({ status: 'active', agent: { name: agentName } });
      expect(receiver.of('conversation.closed')[0]!.json.data.change.status).toBe('closed');
      const reply = receiver.of('message.created').find((r) => r.json.data.message.text === 'On my way!')!;
      expect(reply.json.data.message.author).toMatchObject({ type: 'staff', name: agentName });
      // The endpoint that opted in gets the note too (and every message).
      const noteTexts = notesReceiver.received.map((r) => r.json.data.message);
      expect(noteTexts.find((m) => m.kind === 'note')).toMatchObject({ text: 'internal: call facilities' });
      // The log: all delivered, with latency and the receiver's answer.
      await expect
        .poll(async () => (await deliveries(`&endpointId=${plain.id}`)).map((d) => d.status))
        .toEqual(Array(5).fill('delivered'));
      const log = await deliveries(`&endpointId=${plain.id}`);
      expect(log[0]).toMatchObject({ attempts: 1, responseStatus: 200, responseSnippet: '{"ok":true}' });
      expect(typeof log[0].latencyMs).toBe('number');
    } finally {
      await notesReceiver.close();
    }
  });

  it('delivers a satisfaction rating, and its change, to endpoints subscribed to csat.submitted', async () => {
    const endpoint = await register({ events: ['csat.submitted'] });
    receiver.secret = endpoint.secret;
    const v = await visitorWithConversation(t, 'Can you reset my locker code?', 'Rita Rater');
    await agent.post(`/api/staff/conversations/${v.conversationId}/join`);
    await agent.post(`/api/staff/conversations/${v.conversationId}/close`);
    const path = `/api/conversations/${v.conversationId}/csat`;
    expect((await v.client.put(path, { rating: 4, comment: 'Quick and kind' })).status).toBe(200);
    await expect.poll(() => receiver.of('csat.submitted').length).toBe(1);
    const first = receiver.of('csat.submitted')[0]!;
    expect(first.verdict).toEqual({ ok: true });
    expect(first.json.data).toMatchObject({
      conversation: { id: v.conversationId, status: 'closed' },
      csat: { rating: 4, comment: 'Quick and kind' },
    });
    // Only the subscribed event: the close before it went nowhere.
    expect(receiver.received.map((r) => r.json.type)).toEqual(['csat.submitted']);
    expect((await v.client.put(path, { rating: 5, comment: 'Actually great' })).status).toBe(200);
    await expect.poll(() => receiver.of('csat.submitted').length).toBe(2);
    expect(receiver.of('csat.submitted')[1]!.json.data.csat).toEqual({ rating: 5, comment: 'Actually great' });
  });

  it('writes no webhook outbox rows while nobody subscribes', async () => {
    const before = await t.ctx.db.selectFrom('outbox').select('id').where('topic', 'like', 'webhooks.%').execute();
    const v = await visitorWithConversation(t, 'Nobody listens to this one, right?');
    await v.client.post(`/api/conversations/${v.conversationId}/messages`, {
      clientMsgId: randomUUID(),
      text: 'hello?',
    });
    const after = await t.ctx.db.selectFrom('outbox').select('id').where('topic', 'like', 'webhooks.%').execute();
    expect(after.length).toBe(before.length);
  });

  it('retries a failing endpoint with backoff until it answers, then stops; gives up after the retry window', async () => {
    const { id: endpointId, secret } = await register({ events: ['message.created'] });
    receiver.secret = secret;
    receiver.script = [{ status: 500 }, { status: 503 }];
    const v = await visitorWithConversation(t, 'Retry me until the receiver is back.');
    await expect.poll(() => receiver.received.length).toBe(1);
    await expect.poll(async () => (await deliveries(`&endpointId=${endpointId}`))[0]?.attempts).toBe(1);
    let [d] = await deliveries(`&endpointId=${endpointId}`);
    expect(d).toMatchObject({ status: 'pending', responseStatus: 500, error: 'The receiver answered 500' });
    // Not due before its backoff (30 s), due after; the second wait doubles (60 s).
    expect(await t.ctx.services.webhooks.deliverDue()).toBe(0);
    clock.advance(30_000);
    await t.ctx.services.webhooks.deliverDue();
    expect(receiver.received.length).toBe(2);
    clock.advance(30_000);
    expect(await t.ctx.services.webhooks.deliverDue()).toBe(0);
    clock.advance(30_000);
    await t.ctx.services.webhooks.deliverDue();
    expect(receiver.received.length).toBe(3);
    [d] = await deliveries(`&endpointId=${endpointId}`);
    expect(d).toMatchObject({ status: 'delivered', attempts: 3, responseStatus: 200, error: null });
    // Every attempt carried the same event id (receivers deduplicate on it) and a valid signature.
    expect(new Set(receiver.received.map((r) => r.headers[WEBHOOK_HEADERS.eventId])).size).toBe(1);
    expect(receiver.received.every((r) => r.verdict.ok)).toBe(true);

    // An endpoint that never recovers: tried for 24 hours, then failed and kept in the log.
    receiver.fallback = { status: 503 };
    const before = receiver.received.length;
    await v.client.post(`/api/conversations/${v.conversationId}/messages`, {
      clientMsgId: randomUUID(),
      text: 'again',
    });
    await expect.poll(() => receiver.received.length).toBe(before + 1);
    for (let i = 0; i < 30; i++) {
      clock.advance(3_600_000);
      await t.ctx.services.webhooks.deliverDue();
    }
    // A day later the admin's session has expired too: sign in again.
    admin = await staffClient(t, await createStaff(t, 'admin'));
    const failed = (await deliveries(`&endpointId=${endpointId}&status=failed`))[0];
    expect(failed).toMatchObject({ status: 'failed', responseStatus: 503, nextAttemptAt: null });
    expect(failed.attempts).toBeGreaterThan(8);
    const spentHours = (Date.parse(failed.lastAttemptAt) - Date.parse(failed.createdAt)) / 3_600_000;
    expect(spentHours).toBeLessThanOrEqual(24);
    // Redeliver: a new delivery of the same event, which succeeds once the receiver is back.
    receiver.fallback = { status: 204 };
    const again = await admin.post(`/api/admin/webhook-deliveries/${failed.id}/redeliver`);
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ status: 'pending', redeliveryOf: failed.id, eventId: failed.eventId });
    await t.ctx.services.webhooks.deliverDue();
    await expect
      .poll(async () => (await deliveries(`&endpointId=${endpointId}`)).find((x) => x.id === again.body.id)?.status)
      .toBe('delivered');
    const audit = await admin.get('/api/admin/audit?action=webhook.redelivered');
    expect(audit.body.entries.length).toBeGreaterThan(0);
  });

  it('a slow endpoint times out (and is retried); a redirect is not followed', async () => {
    const { id: endpointId, secret } = await register({ events: ['message.created'] });
    receiver.secret = secret;
    receiver.script = [
      { status: 200, delayMs: 2_500 },
      { status: 302, headers: { location: 'http://169.254.169.254/' } },
    ];
    await visitorWithConversation(t, 'Slow receivers should not hold anything up.');
    await expect
      .poll(async () => (await deliveries(`&endpointId=${endpointId}`))[0]?.error, { timeout: 10_000 })
      .toBe('No answer within 1 s (timed out)');
    const [slow] = await deliveries(`&endpointId=${endpointId}`);
    expect(slow).toMatchObject({ status: 'pending', responseStatus: null });
    clock.advance(30_000);
    await t.ctx.services.webhooks.deliverDue();
    const [redirected] = await deliveries(`&endpointId=${endpointId}`);
    expect(redirected).toMatchObject({ status: 'pending', responseStatus: 302 });
    expect(redirected.error).toContain('Redirect (302) not followed');
    // Only our two requests reached the receiver: the redirect's target was never asked.
    expect(receiver.received.length).toBe(2);
  });

  it('a delivery with a bad signature is refused by the receiver, and succeeds on retry with the right secret', async () => {
    const { id: endpointId, secret } = await register({ events: ['message.created'] });
    receiver.secret = 'whsec_not-the-right-one';
    await visitorWithConversation(t, 'Check the signature of this one.');
    await expect.poll(() => receiver.received.length).toBe(1);
    expect(receiver.received[0]!.verdict).toEqual({ ok: false, reason: 'mismatch' });
    await expect.poll(async () => (await deliveries(`&endpointId=${endpointId}`))[0]?.responseStatus).toBe(401);
    receiver.secret = secret;
    clock.advance(30_000);
    await t.ctx.services.webhooks.deliverDue();
    expect(receiver.received[1]!.verdict).toEqual({ ok: true });
    expect((await deliveries(`&endpointId=${endpointId}`))[0].status).toBe('delivered');

    // A rotated secret signs from now on; the old one no longer verifies.
    const rotated = await admin.post(`/api/admin/webhooks/${endpointId}/rotate-secret`);
    expect(rotated.body.secret).not.toBe(secret);
    receiver.secret = rotated.body.secret;
    await visitorWithConversation(t, 'Signed with the new secret please.');
    await expect.poll(() => receiver.received.length).toBe(3);
    expect(receiver.received[2]!.verdict).toEqual({ ok: true });
    const body = receiver.received[2]!.body;
    const ts = Number(receiver.received[2]!.headers[WEBHOOK_HEADERS.timestamp]);
    const sig = receiver.received[2]!.headers[WEBHOOK_HEADERS.signature] as string;
    expect(verifyWebhookSignature(secret, { timestamp: String(ts), signature: sig }, body, ts)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    // Tampered bodies, re-dated timestamps and replays outside the window fail.
    const fresh = rotated.body.secret as string;
    expect(verifyWebhookSignature(fresh, { timestamp: String(ts), signature: sig }, body + ' ', ts).ok).toBe(false);
    expect(verifyWebhookSignature(fresh, { timestamp: String(ts + 1), signature: sig }, body, ts).ok).toBe(false);
    expect(verifyWebhookSignature(fresh, { timestamp: String(ts), signature: sig }, body, ts + 301)).toEqual({
      ok: false,
      reason: 'stale',
    });
    expect(signWebhook(fresh, ts, body)).toBe(sig);
  });

  it('refuses private targets at send time too (an IP literal, or a name resolving to one), without a request', async () => {
    const { id: endpointId } = await register({ events: ['message.created'] });
    const port = new URL(receiver.url).port;
    for (const url of [`http://127.0.0.1:${port}/hook`, `http://localhost:${port}/hook`]) {
      // As if the address had been saved while allowed and then forbidden behind the API's back (or DNS changed).
      await t.ctx.db
        .updateTable('webhookEndpoints')
        .set({ url, allowPrivateNetwork: 0 })
        .where('id', '=', endpointId)
        .execute();
      await visitorWithConversation(t, `Nothing may reach ${url}`);
      await expect
        .poll(
          async () =>
            (await deliveries(`&endpointId=${endpointId}`)).filter((d) => d.error?.startsWith('Refused')).length,
        )
        .toBe(url.includes('127.0.0.1') ? 1 : 2);
    }
    expect(receiver.received).toEqual([]);
  });

  it('fans out once per endpoint even when the fan-out runs twice; an erased conversation sends nothing', async () => {
    const { id: endpointId } = await register({ events: ['message.created'] });
    receiver.fallback = { status: 500 };
    const v = await visitorWithConversation(t, 'Fan me out just once, thank you.');
    await expect.poll(async () => (await deliveries(`&endpointId=${endpointId}`)).length).toBe(1);
    const message = await t.ctx.db
      .selectFrom('messages')
      .select('id')
      .where('conversationId', '=', v.conversationId)
      .executeTakeFirstOrThrow();
    const [d] = await deliveries(`&endpointId=${endpointId}`);
    await t.ctx.services.webhooks.fanOutMessage(
      { messageId: message.id, conversationId: v.conversationId },
      { id: d.eventId },
    );
    expect((await deliveries(`&endpointId=${endpointId}`)).length).toBe(1);
    // The conversation is erased before the retry: nothing is sent, the delivery says why.
    const customer = await registerCustomer(t);
    const c = await customer.client.post('/api/conversations', { text: 'A customer conversation to erase.' });
    await expect.poll(async () => (await deliveries(`&endpointId=${endpointId}`)).length).toBe(2);
    const sent = receiver.received.length;
    await admin.delete(`/api/admin/users/${customer.id}`);
    clock.advance(30_000);
    await t.ctx.services.webhooks.deliverDue();
    const erased = (await deliveries(`&endpointId=${endpointId}`)).find(
      (x) => x.conversationId === c.body.conversation.id,
    );
    expect(erased).toMatchObject({ status: 'failed' });
    expect(erased.error).toContain('no longer exists');
    expect(receiver.received.length).toBe(sent + 1); // only the other delivery's retry
    expect(WEBHOOK_MESSAGE_TOPIC).toBe('webhooks.message');
  });

  it('who may manage webhooks: admins and tokens with webhooks:manage; not agents, customers, visitors, anonymous', async () => {
    const customer = (await registerCustomer(t)).client;
    const visitor = (await visitorClient(t)).client;
    const anonymous = t.staffClient();
    const make = async (scopes: string[]) =>
      (await admin.post('/api/admin/api-tokens', { name: `t-${randomUUID().slice(0, 6)}`, scopes })).body
        .token as string;
    const manager = t.staffClient().withBearer(await make(['webhooks:manage']));
    const reader = t.staffClient().withBearer(await make(['conversations:read']));
    const body = { url: `${receiver.url}/hook`, events: ['message.created'], allowPrivateNetwork: true };
    expect((await agent.get('/api/admin/webhooks')).status).toBe(403);
    expect((await agent.post('/api/admin/webhooks', body)).status).toBe(403);
    expect((await customer.get('/api/admin/webhooks')).status).toBe(403);
    expect((await visitor.get('/api/admin/webhook-deliveries')).status).toBe(403);
    expect((await anonymous.get('/api/admin/webhooks')).status).toBe(401);
    const refused = await reader.get('/api/admin/webhooks');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({
      code: 'insufficient_scope',
      details: { requiredScope: 'webhooks:manage' },
    });
    const created = await manager.post('/api/admin/webhooks', body);
    expect(created.status).toBe(201);
    endpointIds.push(created.body.endpoint.id);
    expect((await manager.get('/api/admin/webhook-deliveries')).status).toBe(200);
    expect(
      (await manager.patch(`/api/admin/webhooks/${created.body.endpoint.id}`, { isActive: false })).body.isActive,
    ).toBe(false);
    const audit = await admin.get(`/api/admin/audit?targetId=${created.body.endpoint.id}`);
    expect(audit.body.entries.map((e: any) => e.action).sort()).toEqual(['webhook.created', 'webhook.updated']);
    expect(audit.body.entries[0].actor.name).toMatch(/^API token “t-/);
    expect((await agent.post(`/api/admin/webhook-deliveries/${randomUUID()}/redeliver`)).status).toBe(403);
    expect((await admin.post(`/api/admin/webhook-deliveries/${randomUUID()}/redeliver`)).status).toBe(404);
  });
});
