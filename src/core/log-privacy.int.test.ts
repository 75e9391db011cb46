import { randomBytes, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { describeEachDialect } from '../../test/harness/dialects.js';
import { text, uploadWith } from '../../test/harness/file-fixtures.js';
import type { HttpClient } from '../../test/harness/http-client.js';
import { connected, socketClient } from '../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';
import type { LogLevel } from '../config/config.js';

/** A distinctive string that cannot appear in a log by chance (letters and digits only: no URL encoding). */
const canary = (label: string) => `${label}Canary${randomBytes(6).toString('hex')}`;
const cookieValue = (client: HttpClient, name: string) => {
  const value = client.cookies.get(name);
  if (!value) throw new Error(`no ${name} cookie`);
  return value;
};

/**
 * A whole session of every role, with the logger at `level` and request logging on (as in production), using a
 * fresh canary for every secret and every piece of user text. Returns the canaries and the app (its logs).
 */
async function runSession(t: TestApp, sockets: Socket[]) {
  const secrets: Record<string, string> = {};
  const open = (ns: string, options: Parameters<typeof socketClient>[2]) => {
    const s = socketClient(t.url, ns, options);
    sockets.push(s);
    return s;
  };

  // A visitor (cookie) starts a conversation, writes over the socket, uploads a file and sends it.
  const visitor = t.client();
  expect((await visitor.post('/api/visitor/session', {})).status).toBe(201);
  secrets.visitorCookie = cookieValue(visitor, 'sc_session');
  secrets.firstMessage = canary('first');
  const started = await visitor.post('/api/conversations', {
    displayName: 'Vera Visitor',
    text: secrets.firstMessage,
    clientMsgId: randomUUID(),
  });
  expect(started.status, started.text).toBe(201);
  const conversationId = started.body.conversation.id as string;
  const visitorSocket = open('/visitor', { cookie: visitor.cookieHeader() });
  await connected(visitorSocket);
  secrets.socketMessage = canary('socket');
  const sent = await visitorSocket.emitWithAck('message:send', {
    conversationId,
    clientMsgId: randomUUID(),
    text: secrets.socketMessage,
  });
  expect(sent.ok).toBe(true);
  secrets.fileName = canary('file');
  secrets.fileContent = canary('content');
  const uploaded = await uploadWith(visitor, `/api/conversations/${conversationId}/attachments`, [
    { name: `${secrets.fileName}.txt`, data: text(secrets.fileContent) },
  ]);
  expect(uploaded.status, uploaded.text).toBe(201);
  const withFile = await visitor.post(`/api/conversations/${conversationId}/messages`, {
    clientMsgId: randomUUID(),
    text: (secrets.fileMessage = canary('fileMessage')),
    attachmentIds: [uploaded.body.attachments[0].id],
  });
  expect(withFile.status, withFile.text).toBe(201);

  // An API client with a bearer token (Authorization header, and the socket's auth token).
  const api = t.client();
  const bearer = await api.post('/api/visitor/session', { transport: 'bearer' });
  secrets.bearerToken = bearer.body.token as string;
  api.withBearer(secrets.bearerToken);
  expect((await api.get('/api/conversations')).status).toBe(200);
  await connected(open('/visitor', { bearer: secrets.bearerToken }));
  // A refused handshake (foreign origin) that still carries the visitor's cookie.
  const foreign = open('/visitor', { cookie: visitor.cookieHeader(), origin: 'https://evil.example' });
  await expect(connected(foreign)).rejects.toThrow();

  // Staff sign in with their passwords; one wrong password too.
  secrets.agentPassword = canary('agentPassword');
  secrets.adminPassword = canary('adminPassword');
  secrets.wrongPassword = canary('wrongPassword');
  const staffUser = (role: 'agent' | 'admin', password: string) =>
    t.ctx.services.users.createStaff(
      { id: null, name: 'test factory', ip: null },
      {
        role,
        username: `${role}-${randomBytes(4).toString('hex')}`,
        email: `${role}-${randomBytes(4).toString('hex')}@staff.example`,
        firstName: 'Sam',
        lastName: role === 'admin' ? 'Boss' : 'Helper',
        jobTitle: 'Course Assistant',
        departments: ['Computing'],
        password,
      },
    );
  const agentUser = await staffUser('agent', secrets.agentPassword);
  const adminUser = await staffUser('admin', secrets.adminPassword);
  const refused = await t
    .staffClient()
    .post('/api/staff/login', { login: agentUser.username, password: secrets.wrongPassword });
  expect(refused.status).toBe(401);
  const agent = t.staffClient();
  expect(
    (await agent.post('/api/staff/login', { login: agentUser.username, password: secrets.agentPassword })).status,
  ).toBe(200);
  secrets.agentCookie = cookieValue(agent, 'sc_staff');
  const admin = t.staffClient();
  expect(
    (await admin.post('/api/staff/login', { login: adminUser.username, password: secrets.adminPassword })).status,
  ).toBe(200);
  secrets.adminCookie = cookieValue(admin, 'sc_staff');

  // The agent joins and replies over the socket and over HTTP.
  expect((await agent.post(`/api/staff/conversations/${conversationId}/join`)).status).toBe(200);
  const agentSocket = open('/staff', { cookie: agent.cookieHeader() });
  await connected(agentSocket);
  secrets.agentSocketReply = canary('agentSocketReply');
  const reply = await agentSocket.emitWithAck('message:send', {
    conversationId,
    clientMsgId: randomUUID(),
    text: secrets.agentSocketReply,
  });
  expect(reply.ok).toBe(true);
  secrets.agentHttpReply = canary('agentHttpReply');
  const httpReply = await agent.post(`/api/staff/conversations/${conversationId}/messages`, {
    clientMsgId: randomUUID(),
    text: secrets.agentHttpReply,
  });
  expect(httpReply.status, httpReply.text).toBe(201);

  // A customer registers with a password, writes, and searches its history.
  secrets.customerPassword = canary('customerPassword');
  const customer = t.client();
  const username = `cust-${randomBytes(4).toString('hex')}`;
  const registered = await customer.post('/api/customers/register', {
    email: `${username}@customer.example`,
    username,
    displayName: 'Casey Customer',
    password: secrets.customerPassword,
    passwordConfirmation: secrets.customerPassword,
  });
  expect(registered.status, registered.text).toBe(201);
  secrets.customerCookie = cookieValue(customer, 'sc_session');
  secrets.customerMessage = canary('customerMessage');
  expect((await customer.post('/api/conversations', { text: secrets.customerMessage })).status).toBe(201);
  secrets.historySearch = canary('historySearch');
  expect((await customer.get(`/api/conversations?search=${secrets.historySearch}`)).status).toBe(200);
  secrets.unknownRouteQuery = canary('unknownRoute');
  expect((await customer.get(`/api/no-such-thing?search=${secrets.unknownRouteQuery}`)).status).toBe(404);

  // The admin filters the message log by text.
  secrets.logFilter = canary('logFilter');
  const logs = await admin.get(`/api/admin/message-logs?text=${secrets.logFilter}&pageSize=5`);
  expect(logs.status, logs.text).toBe(200);
  // A validation failure that echoes nothing of the query value back into the log.
  secrets.badQuery = canary('badQuery');
  expect((await admin.get(`/api/admin/message-logs?status=${secrets.badQuery}`)).status).toBe(400);

  // A malformed request head: Node's parser error carries the raw bytes received (cookie included).
  secrets.rawCookie = canary('rawCookie');
  await new Promise<void>((resolve) => {
    const raw = connect(Number(new URL(t.url).port), '127.0.0.1', () =>
      raw.write(`GET / HTTP/1.1\r\nHost: x\r\nCookie: sc_session=${secrets.rawCookie}\r\nBad Header\r\n\r\n`),
    );
    raw.on('data', () => undefined);
    raw.on('close', () => resolve());
  });

  for (const s of sockets) s.close();
  return secrets;
}

describeEachDialect('logs never hold credentials or user text', (dialect) => {
  let t: TestApp | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await t?.stop();
    t = undefined;
  });

  describe.each(['trace', 'info'] as LogLevel[])('LOG_LEVEL=%s', (level) => {
    it('a whole session writes no token, cookie, password, message text, file or search term to the log', async () => {
      t = await startTestApp(dialect, {
        env: { LOG_LEVEL: level },
        // Request logging is off under NODE_ENV=test (noise); this test needs exactly what production writes.
        configure: (config) => ({ ...config, env: 'development' }),
      });
      const secrets = await runSession(t, sockets);
      const written = t.logs.join('\n');

      const leaked = Object.entries(secrets).filter(([, value]) => written.includes(value));
      expect(
        leaked.map(([name]) => name),
        leaked.map(([name, value]) => `${name}: ${t!.logs.find((l) => l.includes(value))}`).join('\n'),
      ).toEqual([]);

      // The log is not empty: the request log names routes and query keys (never values).
      expect(written).toContain('"/api/conversations?search="');
      expect(written).toContain('"/api/admin/message-logs?text=&pageSize="');
      if (level === 'trace') {
        expect(written).toContain('Providing options to busboy');
        expect(written).toContain('client error');
        expect(written).not.toContain('rawPacket');
      }
    });
  });
});
