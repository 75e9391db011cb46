import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageView } from '../../shared/conversations.js';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import {
  createStaff,
  registerCustomer,
  staffClient,
  visitorClient,
  visitorWithConversation,
} from '../../../test/harness/factories.js';
import type { HttpClient } from '../../../test/harness/http-client.js';
import { connected, socketClient } from '../../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';

describeEachDialect('API tokens: scoped, hashed, revocable, audited; bots reply through the send path', (dialect) => {
  let t: TestApp;
  let admin: HttpClient;
  let adminUsername: string;
  let agent: HttpClient;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    const a = await createStaff(t, 'admin');
    adminUsername = a.username;
    admin = await staffClient(t, a);
    agent = await staffClient(t, await createStaff(t, 'agent'));
  });
  afterAll(() => t?.stop());

  async function token(scopes: string[], extra: Record<string, unknown> = {}) {
    const r = await admin.post('/api/admin/api-tokens', {
      name: `token ${randomUUID().slice(0, 8)}`,
      scopes,
      ...extra,
    });
    expect(r.status, r.text).toBe(201);
    return {
      token: r.body.token as string,
      id: r.body.apiToken.id as string,
      client: t.staffClient().withBearer(r.body.token),
    };
  }

  it('is shown once, stored as a hash, listed with its prefix, scopes and last use; creation and revocation are audited', async () => {
    const created = await admin.post('/api/admin/api-tokens', {
      name: 'CRM sync',
      scopes: ['conversations:read', 'contacts:manage'],
      expiresInDays: 90,
    });
    expect(created.status).toBe(201);
    const value: string = created.body.token;
    expect(value).toMatch(/^scat_[A-Za-z0-9_-]{43}$/);
    expect(created.body.apiToken).toMatchObject({
      name: 'CRM sync',
      scopes: ['conversations:read', 'contacts:manage'],
      status: 'active',
      createdBy: adminUsername,
      lastUsedAt: null,
    });
    const row = await t.ctx.db
      .selectFrom('apiTokens')
      .selectAll()
      .where('id', '=', created.body.apiToken.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(value);
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);

    const client = t.staffClient().withBearer(value);
    expect((await client.get('/api/staff/queue')).status).toBe(200);
    const listed = await admin.get('/api/admin/api-tokens');
    expect(listed.text).not.toContain(value);
    const mine = listed.body.tokens.find((x: any) => x.id === created.body.apiToken.id);
    expect(mine.prefix).toBe(`${value.slice(0, 11)}…`);
    expect(mine.lastUsedAt).not.toBeNull();
    expect(mine.lastUsedIp).toBe('127.0.0.1');
    expect(listed.body).toMatchObject({ page: 1, pageSize: 25 });

    const revoked = await admin.post(`/api/admin/api-tokens/${created.body.apiToken.id}/revoke`);
    expect(revoked.body).toMatchObject({ status: 'revoked', revokedBy: adminUsername });
    const refused = await client.get('/api/staff/queue');
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toContain('revoked');
    // Revoking twice changes nothing (one audit line).
    await admin.post(`/api/admin/api-tokens/${created.body.apiToken.id}/revoke`);
    const audit = await admin.get(`/api/admin/audit?targetId=${created.body.apiToken.id}`);
    expect(audit.body.entries.map((e: any) => e.action).sort()).toEqual(['api_token.created', 'api_token.revoked']);
    expect(audit.body.entries.find((e: any) => e.action === 'api_token.created').summary).toBe(
      'Created the API token “CRM sync”',
    );
  });

  it('an expired or unknown token is refused; malformed input is a clear validation error', async () => {
    const { client, id } = await token(['conversations:read'], { expiresInDays: 1 });
    expect((await client.get('/api/staff/queue')).status).toBe(200);
    await t.ctx.db
      .updateTable('apiTokens')
      .set({ expiresAt: Date.now() - 1 })
      .where('id', '=', id)
      .execute();
    expect((await client.get('/api/staff/queue')).status).toBe(401);
    expect((await admin.get('/api/admin/api-tokens')).body.tokens.find((x: any) => x.id === id).status).toBe('expired');
    expect(
      (
        await t
          .staffClient()
          .withBearer(`scat_${'x'.repeat(43)}`)
          .get('/api/staff/queue')
      ).status,
    ).toBe(401);

    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'bot', scopes: ['messages:write'] }, 'botName'],
      [{ name: 'x', scopes: ['everything'] }, 'scopes.0'],
      [{ name: 'x', scopes: [] }, 'scopes'],
      [{ name: '', scopes: ['conversations:read'] }, 'name'],
      [{ name: 'x', scopes: ['notes:read'] }, 'scopes'],
      [{ name: 'x', scopes: ['conversations:read'], extra: 1 }, ''],
    ];
    for (const [body, field] of cases) {
      const r = await admin.post('/api/admin/api-tokens', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
      if (field) expect(r.body.error.details.fields.map((f: any) => f.path)).toContain(`body.${field}`);
    }
    const rows = await t.ctx.db.selectFrom('apiTokens').select('name').where('name', '=', 'bot').execute();
    expect(rows).toEqual([]);
  });

  it('who may manage tokens: admins only — not agents, customers, visitors, anonymous, nor a token', async () => {
    const { client: tokenClient } = await token(['webhooks:manage', 'contacts:manage']);
    const customer = (await registerCustomer(t)).client;
    const visitor = (await visitorClient(t)).client;
    const anonymous = t.staffClient();
    const body = { name: 'x', scopes: ['conversations:read'] };
    for (const [who, client, status] of [
      ['agent', agent, 403],
      ['customer', customer, 403],
      ['visitor', visitor, 403],
      ['anonymous', anonymous, 401],
      ['token', tokenClient, 403],
    ] as const) {
      expect((await client.get('/api/admin/api-tokens')).status, who).toBe(status);
      expect((await client.post('/api/admin/api-tokens', body)).status, who).toBe(status);
      expect((await client.post(`/api/admin/api-tokens/${randomUUID()}/revoke`)).status, who).toBe(status);
    }
    const r = await tokenClient.get('/api/admin/api-tokens');
    expect(r.body.error.code).toBe('api_token_not_accepted');
    expect((await admin.post(`/api/admin/api-tokens/${randomUUID()}/revoke`)).status).toBe(404);
  });

  it('routes check the scope they document; session-only routes refuse tokens, even with a session cookie beside', async () => {
    const v = await visitorWithConversation(t, 'Can a token read this conversation please?');
    await agent.post(`/api/staff/conversations/${v.conversationId}/join`);
    await agent.post(`/api/staff/conversations/${v.conversationId}/messages`, {
      clientMsgId: randomUUID(),
      text: 'Hi!',
    });
    await agent.post(`/api/staff/conversations/${v.conversationId}/messages`, {
      clientMsgId: randomUUID(),
      text: 'private remark',
      note: true,
    });
    const reader = (await token(['conversations:read'])).client;
    const noteReader = (await token(['conversations:read', 'notes:read'])).client;
    const contacts = (await token(['contacts:manage'])).client;

    const history = await reader.get(`/api/staff/conversations/${v.conversationId}/messages?after=0`);
    expect(history.status).toBe(200);
    const texts = (history.body.messages as MessageView[]).map((m) => m.text);
    expect(texts).toContain('Hi!');
    expect(texts).not.toContain('private remark');
    const withNotes = await noteReader.get(`/api/staff/conversations/${v.conversationId}/messages?after=0`);
    expect((withNotes.body.messages as MessageView[]).map((m) => m.text)).toContain('private remark');
    expect((await reader.get(`/api/staff/conversations/${v.conversationId}`)).body.id).toBe(v.conversationId);
    expect((await reader.get('/api/staff/conversations?scope=active')).status).toBe(200);
    expect((await reader.get('/api/staff/conversations?scope=mine')).body).toEqual({ conversations: [] });
    expect((await reader.get('/api/staff/queue')).body.counters.mine).toBe(0);

    const noScope = await contacts.get(`/api/staff/conversations/${v.conversationId}`);
    expect(noScope.status).toBe(403);
    expect(noScope.body.error).toMatchObject({
      code: 'insufficient_scope',
      details: { requiredScope: 'conversations:read' },
    });
    const noWrite = await reader.post(`/api/staff/conversations/${v.conversationId}/messages`, {
      clientMsgId: randomUUID(),
      text: 'hello',
    });
    expect(noWrite.body.error.code).toBe('insufficient_scope');

    // Session-only routes: staff actions, admin pages, and the visitor side.
    for (const [method, path] of [
      ['POST', `/api/staff/conversations/${v.conversationId}/join`],
      ['POST', `/api/staff/conversations/${v.conversationId}/close`],
      ['GET', '/api/admin/audit'],
      ['GET', '/api/admin/settings'],
      ['GET', '/api/staff/canned-replies'],
    ] as const) {
      const r = await reader.request(method, path);
      expect(r.status, path).toBe(403);
      expect(r.body.error.code, path).toBe('api_token_not_accepted');
    }
    const publicSide = t.client().withBearer((await token(['conversations:read'])).token);
    expect((await publicSide.get('/api/conversations')).body.error.code).toBe('api_token_not_accepted');
    // A request carrying a token is judged by the token alone: the admin's cookie beside it does not count.
    admin.withBearer((await token(['conversations:read'])).token);
    try {
      expect((await admin.get('/api/admin/audit')).body.error.code).toBe('api_token_not_accepted');
    } finally {
      admin.withBearer(undefined);
    }
  });

  it('contacts:manage lists, reads and deletes customers only, and the audit log names the token', async () => {
    const { client, id } = await token(['contacts:manage']);
    const customer = await registerCustomer(t);
    const staff = await createStaff(t, 'agent');
    const list = await client.get(`/api/admin/users?kind=customers&search=${customer.username}`);
    expect(list.status).toBe(200);
    expect(list.body.users.map((u: any) => u.id)).toEqual([customer.id]);
    const staffList = await client.get('/api/admin/users?kind=staff');
    expect(staffList.body.error.code).toBe('insufficient_scope');
    expect((await client.get(`/api/admin/users/${customer.id}`)).body.username).toBe(customer.username);
    expect((await client.get(`/api/admin/users/${staff.user.id}`)).status).toBe(404);
    expect((await client.delete(`/api/admin/users/${staff.user.id}`)).status).toBe(404);
    expect((await client.patch(`/api/admin/users/${staff.user.id}`, { jobTitle: 'x' })).body.error.code).toBe(
      'api_token_not_accepted',
    );
    expect((await client.delete(`/api/admin/users/${customer.id}`)).status).toBe(200);
    expect((await admin.get(`/api/admin/users/${customer.id}`)).status).toBe(404);
    const audit = await admin.get(`/api/admin/audit?targetId=${customer.id}`);
    expect(audit.body.entries[0]).toMatchObject({ action: 'user.deleted', actor: { id } });
    expect(audit.body.entries[0].actor.name).toMatch(/^API token “token /);
  });

  it('a bot replies as itself before any agent joins: visitors and agents see it, live and in history', async () => {
    const bot = await token(['conversations:read', 'messages:write'], { botName: '  FAQ   Bot ' });
    const v = await visitorWithConversation(t, 'What are your opening hours, please?');
    const visitorSocket = socketClient(t.url, '/visitor', { cookie: v.client.cookieHeader() });
    const staffSocket = socketClient(t.url, '/staff', { cookie: agent.cookieHeader() });
    try {
      await Promise.all([connected(visitorSocket), connected(staffSocket)]);
      await staffSocket.emitWithAck('conversation:subscribe', { conversationId: v.conversationId });
      const live = new Promise<MessageView>((resolve) =>
        visitorSocket.on('message:new', ({ message }: { message: MessageView }) => {
          if (message.author.type === 'bot') resolve(message);
        }),
      );
      const liveStaff = new Promise<MessageView>((resolve) =>
        staffSocket.on('message:new', ({ message }: { message: MessageView }) => {
          if (message.author.type === 'bot') resolve(message);
        }),
      );
      const clientMsgId = randomUUID();
      const sent = await bot.client.post(`/api/staff/conversations/${v.conversationId}/messages`, {
        clientMsgId,
        text: 'We are open 9:00–16:30, Monday to Friday.',
      });
      expect(sent.status).toBe(201);
      expect(sent.body.message.author).toEqual({ type: 'bot', name: 'FAQ Bot', title: 'Bot', isSelf: true });
      expect((await live).author).toEqual({ type: 'bot', name: 'FAQ Bot', title: 'Bot', isSelf: false });
      expect((await liveStaff).text).toBe('We are open 9:00–16:30, Monday to Friday.');
      // Still waiting for a person: the bot did not join.
      const view = await v.client.get(`/api/conversations/${v.conversationId}`);
      expect(view.body).toMatchObject({ status: 'waiting', agents: [] });
      const history = await v.client.get(`/api/conversations/${v.conversationId}/messages?after=0`);
      expect(history.body.messages.at(-1).author).toMatchObject({ type: 'bot', name: 'FAQ Bot' });
      // A resend with the same client id is the same message.
      const again = await bot.client.post(`/api/staff/conversations/${v.conversationId}/messages`, {
        clientMsgId,
        text: 'We are open 9:00–16:30, Monday to Friday.',
      });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ duplicate: true, message: { id: sent.body.message.id } });
    } finally {
      visitorSocket.close();
      staffSocket.close();
    }
    // Text only, open conversations only.
    const note = await bot.client.post(`/api/staff/conversations/${v.conversationId}/messages`, {
      clientMsgId: randomUUID(),
      text: 'psst',
      note: true,
    });
    expect(note.status).toBe(403);
    const files = await bot.client.post(`/api/staff/conversations/${v.conversationId}/messages`, {
      clientMsgId: randomUUID(),
      text: 'file',
      attachmentIds: [randomUUID()],
    });
    expect(files.status).toBe(403);
    expect(
      (
        await bot.client.post(`/api/staff/conversations/${randomUUID()}/messages`, {
          clientMsgId: randomUUID(),
          text: 'x',
        })
      ).status,
    ).toBe(404);
    await v.client.post(`/api/conversations/${v.conversationId}/leave`);
    const closed = await bot.client.post(`/api/staff/conversations/${v.conversationId}/messages`, {
      clientMsgId: randomUUID(),
      text: 'anyone there?',
    });
    expect(closed.status).toBe(409);
    expect(closed.body.error.code).toBe('conversation_closed');
  });
});

describe('OpenAPI: every operation says who may call it', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(() => t?.stop());

  it('is public, session-only, or session-or-token with the scope the route checks', async () => {
    const doc = (await t.client().get('/api/openapi.json')).body;
    const ops: { path: string; method: string; op: any }[] = [];
    for (const [path, methods] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(methods)) ops.push({ path, method, op });
    }
    expect(ops.length).toBeGreaterThan(60);
    for (const { path, method, op } of ops) {
      expect(['public', 'session', 'session-or-token'], `${method} ${path}`).toContain(op['x-auth']);
      expect(op.description, `${method} ${path}`).toMatch(/Authentication: /);
      if (op['x-auth'] === 'session-or-token') expect(op.security).toEqual([{ staffSession: [] }, { apiToken: [] }]);
    }
    const scopeOf = (method: string, path: string) =>
      ops.find((o) => o.method === method && o.path === path)?.op['x-required-scope'];
    expect(scopeOf('get', '/api/staff/conversations/{id}/messages')).toBe('conversations:read');
    expect(scopeOf('post', '/api/staff/conversations/{id}/messages')).toBe('messages:write');
    expect(scopeOf('delete', '/api/admin/users/{id}')).toBe('contacts:manage');
    expect(scopeOf('post', '/api/admin/webhooks')).toBe('webhooks:manage');
    expect(ops.find((o) => o.path === '/api/status')!.op['x-auth']).toBe('public');
    expect(ops.find((o) => o.path === '/api/admin/api-tokens' && o.method === 'post')!.op['x-auth']).toBe('session');
    expect(doc.components.securitySchemes.apiToken).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
