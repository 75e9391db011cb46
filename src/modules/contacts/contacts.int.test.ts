import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import {
  createStaff,
  registerCustomer,
  staffClient,
  visitorClient,
  visitorWithConversation,
} from '../../../test/harness/factories.js';
import type { HttpClient } from '../../../test/harness/http-client.js';
import { connected, nextEvent, socketClient } from '../../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';
import { describeUserAgent } from './contact.service.js';

const CHROME_ON_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

describeEachDialect('contact panel', (dialect) => {
  let t: TestApp;
  let agent: HttpClient;
  let otherAgent: HttpClient;
  let admin: HttpClient;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    agent = await staffClient(t, await createStaff(t, 'agent', { firstName: 'Alex' }));
    otherAgent = await staffClient(t, await createStaff(t, 'agent', { firstName: 'Olga' }));
    admin = await staffClient(t, await createStaff(t, 'admin', { firstName: 'Ada' }));
  });
  afterAll(() => t?.stop());

  it('shows who the visitor is, where and in which browser they started (no IP), and their past conversations', async () => {
    const { client, visitorId } = await visitorClient(t);
    const ids: string[] = [];
    for (const question of ['My first question was about printing.', 'Second time: the Wi-Fi is down again.']) {
      const r = await client.post(
        '/api/conversations',
        {
          displayName: 'Paula Past',
          text: question,
          email: 'paula@example.org',
          pageUrl: 'https://www.example.org/help?from=footer',
        },
        { headers: { 'user-agent': CHROME_ON_WINDOWS } },
      );
      expect(r.status).toBe(201);
      ids.push(r.body.conversation.id);
      await client.post(`/api/conversations/${r.body.conversation.id}/leave`);
    }
    const panel = await agent.get(`/api/staff/conversations/${ids[1]}/contact`);
    expect(panel.status).toBe(200);
    expect(panel.body).toMatchObject({
      conversationId: ids[1],
      contact: {
        key: `visitor:${visitorId}`,
        kind: 'visitor',
        name: 'Paula Past',
        email: 'paula@example.org',
        emailVerified: false,
        identityVerified: false,
        verifiedBy: null,
        conversations: 2,
      },
      origin: {
        pageUrl: 'https://www.example.org/help?from=footer',
        browser: 'Chrome 156',
        os: expect.stringMatching(/^Windows/),
        device: 'desktop',
      },
      team: null,
      assignedTo: null,
    });
    expect(JSON.stringify(panel.body)).not.toContain('127.0.0.1');

    // Past conversations: newest first, one page at a time, with the question each started with.
    const key = encodeURIComponent(panel.body.contact.key);
    const page1 = await agent.get(`/api/staff/contacts/${key}/conversations?limit=1`);
    expect(page1.body.items.map((c: { firstQuestion: string }) => c.firstQuestion)).toEqual([
      'Second time: the Wi-Fi is down again.',
    ]);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await agent.get(
      `/api/staff/contacts/${key}/conversations?limit=1&cursor=${encodeURIComponent(page1.body.nextCursor)}`,
    );
    expect(page2.body.items.map((c: { id: string }) => c.id)).toEqual([ids[0]]);
    expect(page2.body.nextCursor).toBeNull();
    // Read-only: any staff member reads an old conversation's transcript.
    const old = await otherAgent.get(`/api/staff/conversations/${ids[0]}/messages`);
    expect(old.body.conversation.status).toBe('left');
    expect((await agent.get(`/api/staff/contacts/${key}/conversations?cursor=nonsense`)).status).toBe(400);
    expect((await agent.get(`/api/staff/contacts/visitor:${randomUUID()}/conversations`)).status).toBe(404);
    expect((await agent.get(`/api/staff/contacts/robot:1/conversations`)).status).toBe(400);
  });

  it('a customer: account e-mail, verified or not, first seen', async () => {
    const customer = await registerCustomer(t);
    const start = await customer.client.post('/api/conversations', { text: 'Customer question about billing.' });
    const panel = (await agent.get(`/api/staff/conversations/${start.body.conversation.id}/contact`)).body;
    expect(panel.contact).toMatchObject({
      key: `customer:${customer.id}`,
      kind: 'customer',
      email: customer.email,
      emailVerified: false,
      conversations: 1,
    });
    expect(Date.parse(panel.contact.firstSeen)).toBeLessThanOrEqual(Date.now());
  });

  it('notes: staff only, paged, encrypted at rest, editable by their author and admins, every write audited', async () => {
    const c = await visitorWithConversation(t);
    const key = encodeURIComponent(
      (await agent.get(`/api/staff/conversations/${c.conversationId}/contact`)).body.contact.key,
    );
    const url = `/api/staff/contacts/${key}/notes`;
    const canary = `Prefers phone calls ${randomUUID()}`;
    const created = await agent.post(url, { text: canary });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ text: canary, canEdit: true });
    await otherAgent.post(url, { text: 'Second note by Olga.' });
    expect((await agent.post(url, { text: '   ' })).body.error.details.fields[0].code).toBe('message_empty');
    expect((await agent.post(url, { text: 'x', extra: 1 })).status).toBe(400);

    const list = await otherAgent.get(`${url}?pageSize=1`);
    expect(list.body.total).toBe(2);
    expect(list.body.items).toHaveLength(1);
    const all = (await otherAgent.get(url)).body.items as { id: string; text: string; canEdit: boolean }[];
    expect(all.find((n) => n.text === canary)?.canEdit).toBe(false);

    // Another agent cannot change it; the author and admins can.
    const noteUrl = `${url}/${created.body.id}`;
    expect((await otherAgent.put(noteUrl, { text: 'hijacked' })).status).toBe(403);
    expect((await otherAgent.delete(noteUrl)).status).toBe(403);
    expect((await agent.put(noteUrl, { text: `${canary} (mornings)` })).body.text).toBe(`${canary} (mornings)`);
    // Visitors, customers and strangers never see notes.
    expect((await c.client.get(url)).status).toBe(403);
    expect((await t.client().get(url)).status).toBe(401);
    const { client: customer } = await registerCustomer(t);
    expect((await customer.get(url)).status).toBe(403);

    // Encrypted at rest: the text is nowhere in the stored row.
    const row = await t.ctx.db
      .selectFrom('contactNotes')
      .selectAll()
      .where('id', '=', created.body.id)
      .executeTakeFirst();
    expect(row!.body.toString('latin1')).not.toContain('Prefers phone');
    if (dialect === 'sqlite') {
      const file = t.database.url.replace(/^sqlite:/, '');
      expect(readFileSync(file).toString('latin1')).not.toContain(canary);
    }

    expect((await admin.delete(noteUrl)).status).toBe(200);
    expect((await agent.get(url)).body.total).toBe(1);
    const audit = (await admin.get('/api/admin/audit?pageSize=100')).body.entries as {
      action: string;
      details: unknown;
    }[];
    const actions = audit.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['contact_note.created', 'contact_note.updated', 'contact_note.deleted']),
    );
    expect(JSON.stringify(audit)).not.toContain('Prefers phone');
  });

  it('the desk hears who is typing: the visitor’s name, not just "visitor"', async () => {
    const c = await visitorWithConversation(t, 'Hello, I need a hand with my login please.', 'Tina Typer');
    const v = socketClient(t.url, '/visitor', { cookie: c.client.cookieHeader() });
    const s = socketClient(t.url, '/staff', { cookie: agent.cookieHeader() });
    try {
      await Promise.all([connected(v), connected(s)]);
      await s.emitWithAck('conversation:subscribe', { conversationId: c.conversationId });
      const seen = nextEvent<{ who: { type: string; name: string } }>(s, 'typing');
      await v.emitWithAck('typing', { conversationId: c.conversationId, isTyping: true });
      expect((await seen).who).toMatchObject({ type: 'visitor', name: 'Tina Typer' });
    } finally {
      v.close();
      s.close();
    }
  });

  it('a customer’s history rows carry the question each conversation started with', async () => {
    const customer = await registerCustomer(t);
    const start = await customer.client.post('/api/conversations', { text: 'Where is my certificate of completion?' });
    const id = start.body.conversation.id;
    await agent.post(`/api/staff/conversations/${id}/join`);
    await agent.post(`/api/staff/conversations/${id}/close`);
    const row = (await customer.client.get('/api/conversations')).body.conversations.find(
      (x: { id: string }) => x.id === id,
    );
    expect(row.firstMessage.text).toBe('Where is my certificate of completion?');
    expect(row.lastMessage.kind).toBe('system');
  });
});

it('describes user agents as browser, system and device', () => {
  expect(describeUserAgent(CHROME_ON_WINDOWS)).toEqual({ browser: 'Chrome 156', os: 'Windows 10', device: 'desktop' });
  expect(
    describeUserAgent(
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    ),
  ).toMatchObject({ browser: 'Safari 17', device: 'mobile' });
  expect(describeUserAgent('curl/8.0')).toMatchObject({ device: null });
});
