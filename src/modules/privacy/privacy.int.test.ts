import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import {
  createStaff,
  PASSWORD,
  registerCustomer,
  staffClient,
  uniqueSurname,
  visitorWithConversation,
} from '../../../test/harness/factories.js';
import { pdf, png, uploadWith } from '../../../test/harness/file-fixtures.js';
import type { HttpClient } from '../../../test/harness/http-client.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';

const id = () => randomBytes(6).toString('hex');

/** Downloads a zip and opens it (fflate): file name → bytes. */
async function downloadZip(client: HttpClient, path: string) {
  const response = await fetch(new URL(path, client.baseUrl), { headers: { cookie: client.cookieHeader() } });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return {
    response,
    files: response.ok ? unzipSync(bytes) : {},
    text: response.ok ? '' : Buffer.from(bytes).toString(),
  };
}

const json = (files: Record<string, Uint8Array>, name: string) => JSON.parse(strFromU8(files[name]!)) as any;

describeEachDialect('personal data: export and erasure', (dialect) => {
  let t: TestApp;
  let admin: HttpClient;
  let agent: HttpClient;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    admin = await staffClient(t, await createStaff(t, 'admin'));
    agent = await staffClient(t, await createStaff(t, 'agent', { firstName: 'Alex' }));
  });
  afterAll(() => t?.stop());

  /**
   * A customer with a full history: a question with a PDF, an agent's reply with an image, a private note with a
   * file of its own, and the conversation closed; `secret` is in the customer's message (to find leftovers).
   */
  async function customerWithHistory() {
    const secret = `canary-${id()}`;
    const displayName = `Casey ${uniqueSurname()}`;
    const customer = await registerCustomer(t, t.client(), { displayName });
    const start = await customer.client.post('/api/conversations', {
      text: `My order number is ${secret}, please help`,
      clientMsgId: `c-${id()}`,
    });
    expect(start.status, start.text).toBe(201);
    const conversationId: string = start.body.conversation.id;
    const document = pdf(`invoice ${secret}`);
    const up = await uploadWith(customer.client, `/api/conversations/${conversationId}/attachments`, [
      { name: 'invoice.pdf', data: document },
    ]);
    expect(up.status, up.text).toBe(201);
    await customer.client.post(`/api/conversations/${conversationId}/messages`, {
      clientMsgId: `c-${id()}`,
      text: 'Here is the invoice',
      attachmentIds: [up.body.attachments[0].id],
    });
    expect((await agent.post(`/api/staff/conversations/${conversationId}/join`)).status).toBe(200);
    const image = png(8, 8);
    const staffUp = await uploadWith(agent, `/api/staff/conversations/${conversationId}/attachments`, [
      { name: 'steps.png', data: image },
    ]);
    await agent.post(`/api/staff/conversations/${conversationId}/messages`, {
      clientMsgId: `a-${id()}`,
      text: 'Thanks, follow these steps',
      attachmentIds: [staffUp.body.attachments[0].id],
    });
    const noteUp = await uploadWith(agent, `/api/staff/conversations/${conversationId}/attachments`, [
      { name: 'internal.pdf', data: pdf('staff only') },
    ]);
    await agent.post(`/api/staff/conversations/${conversationId}/messages`, {
      clientMsgId: `n-${id()}`,
      text: 'NOTE: customer seems upset',
      note: true,
      attachmentIds: [noteUp.body.attachments[0].id],
    });
    expect((await agent.post(`/api/staff/conversations/${conversationId}/close`)).status).toBe(200);
    return { ...customer, displayName, conversationId, secret, document, image };
  }

  /** Every table's rows as text, for "nothing left" checks (ciphertext is random bytes: text means plaintext). */
  async function everything(): Promise<string> {
    const tables = [
      'users',
      'visitors',
      'sessions',
      'oneTimeTokens',
      'auditLog',
      'conversations',
      'conversationParticipants',
      'messages',
      'attachments',
      'conversationKeys',
      'offlineReplyQueue',
      'conversationMail',
    ] as const;
    const out: string[] = [];
    for (const table of tables) out.push(JSON.stringify(await t.ctx.db.selectFrom(table).selectAll().execute()));
    return out.join('\n');
  }

  it('exports a customer’s data for an admin as a zip: account, sessions, decrypted messages and files, no notes', async () => {
    const c = await customerWithHistory();
    const { response, files } = await downloadZip(admin, `/api/admin/contacts/customer/${c.id}/export`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="support-central-customer-/);
    expect(response.headers.get('cache-control')).toBe('private, no-store');

    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['README.txt', 'account.json', 'sessions.json', 'audit.json']),
    );
    const account = json(files, 'account.json');
    expect(account).toMatchObject({ kind: 'customer', id: c.id, username: c.username, email: c.email });
    expect(JSON.stringify(account)).not.toMatch(/passwordHash|argon2/);
    expect(json(files, 'sessions.json')[0]).toMatchObject({ ip: '127.0.0.1' });

    const folder = Object.keys(files).find((f) => f.endsWith(`${c.conversationId}/conversation.json`))!;
    expect(folder).toBeDefined();
    const base = folder.replace('/conversation.json', '');
    expect(json(files, folder)).toMatchObject({ id: c.conversationId, status: 'closed' });
    const messages = json(files, `${base}/messages.json`);
    const texts = messages.map((m: { text: string }) => m.text);
    expect(texts).toContain(`My order number is ${c.secret}, please help`);
    expect(texts).toContain('Thanks, follow these steps');
    expect(texts.join(' ')).not.toContain('NOTE');
    expect(messages.find((m: { text: string }) => m.text === 'Here is the invoice').author.isYou).toBe(true);
    expect(messages.find((m: { text: string }) => m.text === 'Thanks, follow these steps').author.isYou).toBe(false);

    // The files are the bytes that were sent, decrypted; the note's file is not there.
    const invoice = messages.find((m: { text: string }) => m.text === 'Here is the invoice').attachments[0];
    expect(invoice).toMatchObject({ name: 'invoice.pdf', type: 'application/pdf' });
    expect(Buffer.from(files[`${base}/${invoice.file}`]!).equals(c.document)).toBe(true);
    const steps = messages.find((m: { text: string }) => m.text === 'Thanks, follow these steps').attachments[0];
    expect(Buffer.from(files[`${base}/${steps.file}`]!).equals(c.image)).toBe(true);
    expect(Object.keys(files).filter((f) => f.includes('/files/'))).toHaveLength(2);
    expect(Object.keys(files).some((f) => f.includes('internal'))).toBe(false);

    const audit = await t.ctx.services.audit.list({ action: 'contact.exported', targetId: c.id, limit: 5, offset: 0 });
    expect(audit.entries).toHaveLength(1);
  });

  it('lets a signed-in customer export their own data, and nobody else’s', async () => {
    const c = await customerWithHistory();
    const own = await downloadZip(c.client, '/api/customers/me/export');
    expect(own.response.status).toBe(200);
    expect(json(own.files, 'account.json').id).toBe(c.id);
    const audit = json(own.files, 'audit.json');
    expect(audit.some((e: { action: string; by: string }) => e.action === 'contact.exported' && e.by === 'you')).toBe(
      true,
    );

    // Another customer's export is their own; the admin endpoint refuses customers, agents and strangers.
    const other = await registerCustomer(t);
    const theirs = await downloadZip(other.client, '/api/customers/me/export');
    expect(json(theirs.files, 'account.json').id).toBe(other.id);
    expect(Object.keys(theirs.files).some((f) => f.includes(c.conversationId))).toBe(false);
    const path = `/api/admin/contacts/customer/${c.id}/export`;
    const summary = `/api/admin/contacts/customer/${c.id}`;
    expect((await agent.get(summary)).status).toBe(403);
    expect((await other.client.get(summary)).status).toBe(403);
    expect((await t.staffClient().get(summary)).status).toBe(401);
    expect((await other.client.get(path)).status).toBe(403);
    expect((await agent.get(path)).status).toBe(403);
    expect((await t.staffClient().get(path)).status).toBe(401);
    // Visitors and strangers have no account to export.
    const visitor = await visitorWithConversation(t);
    expect((await visitor.client.get('/api/customers/me/export')).status).toBe(403);
    expect((await t.client().get('/api/customers/me/export')).status).toBe(401);
  });

  it('exports an anonymous visitor’s conversation for an admin; a staff id or unknown id is not a contact', async () => {
    const v = await visitorWithConversation(t, 'Hello, my locker code is 4242, can you help?', 'Vera Visitor');
    const summary = await admin.get(`/api/admin/contacts/visitor/${v.visitorId}`);
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({
      kind: 'visitor',
      name: 'Vera Visitor',
      counts: { conversations: 1, files: 0 },
    });
    expect(summary.body.conversations[0].id).toBe(v.conversationId);
    const { files } = await downloadZip(admin, `/api/admin/contacts/visitor/${v.visitorId}/export`);
    expect(json(files, 'account.json')).toMatchObject({ kind: 'visitor', id: v.visitorId });
    const messagesFile = Object.keys(files).find((f) => f.endsWith('messages.json'))!;
    expect(json(files, messagesFile)[0].text).toBe('Hello, my locker code is 4242, can you help?');

    const staff = await createStaff(t, 'agent');
    expect((await admin.get(`/api/admin/contacts/customer/${staff.user.id}`)).status).toBe(404);
    expect((await admin.get(`/api/admin/contacts/visitor/nope-${id()}`)).status).toBe(404);
    expect((await admin.get(`/api/admin/contacts/robot/${v.visitorId}`)).status).toBe(400);
  });

  it('refuses a visitor that became a customer: the customer is the contact', async () => {
    const v = await visitorWithConversation(t);
    const customer = await registerCustomer(t, v.client);
    const r = await admin.post(`/api/admin/contacts/visitor/${v.visitorId}/erase`);
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'contact_is_customer', details: { customerId: customer.id } });
    const summary = await admin.get(`/api/admin/contacts/customer/${customer.id}`);
    expect(summary.body.counts).toMatchObject({ conversations: 1, linkedVisitors: 1 });
  });

  it('erases a customer: rows, files and keys gone on this database, signed out at once, one audit line without personal data', async () => {
    const c = await customerWithHistory();
    // An admin action on the account names the customer in the log before the erasure.
    await admin.post(`/api/admin/users/${c.id}/reset-password`, { newPassword: 'another long passphrase' });
    await c.client.post('/api/customers/login', { login: c.username, password: 'another long passphrase' });
    const keysBefore = await t.ctx.db
      .selectFrom('attachments')
      .select('storageKey')
      .where('conversationId', '=', c.conversationId)
      .execute();
    expect(keysBefore).toHaveLength(3);

    const erased = await admin.post(`/api/admin/contacts/customer/${c.id}/erase`);
    expect(erased.status, erased.text).toBe(200);
    expect(erased.body).toEqual({ conversations: 1, files: 3 });
    await t.ctx.jobs.drainOutbox();

    // Signed out, and cannot sign in again.
    expect((await c.client.get('/api/session')).body.me).toBeNull();
    const login = await t.client().post('/api/customers/login', { login: c.username, password: PASSWORD });
    expect(login.status).toBe(401);

    // Nothing of it is left: no row names it, no key, no file; the conversation cannot be decrypted.
    const all = await everything();
    // (The erasure line keeps the id, meaningless now: checked below.)
    for (const trace of [c.username, c.email, c.displayName, c.conversationId, c.secret]) {
      expect(all.includes(trace), `${trace} is still stored`).toBe(false);
    }
    expect(
      await t.ctx.db
        .selectFrom('conversationKeys')
        .where('conversationId', '=', c.conversationId)
        .selectAll()
        .execute(),
    ).toEqual([]);
    const stored = new Set(readdirSync(join(t.database.dataDir, 'attachments')));
    for (const { storageKey } of keysBefore) expect(stored.has(storageKey)).toBe(false);
    await expect(t.ctx.services.keys.decryptFor(c.conversationId, Buffer.alloc(40), 'x')).rejects.toThrow();

    const rowsNamingId = await t.ctx.db
      .selectFrom('auditLog')
      .selectAll()
      .where((eb) => eb.or([eb('targetId', '=', c.id), eb('actorId', '=', c.id)]))
      .execute();
    for (const row of rowsNamingId) {
      expect(row.targetName).toBeNull();
      expect([row.actorId === c.id ? null : row.ip, row.details]).not.toContain(c.username);
    }
    const line = rowsNamingId.find((r) => r.action === 'contact.erased')!;
    expect(JSON.parse(line.details)).toEqual({ conversations: 1, files: 3 });
    expect(line.targetType).toBe('customer');
    expect(`${line.targetName} ${line.details} ${line.ip}`).not.toMatch(
      new RegExp(`${c.username}|${c.email}|${c.displayName}`),
    );

    // The audit screen puts it in words.
    const screen = await admin.get(`/api/admin/audit?action=contact.erased&targetId=${c.id}`);
    expect(screen.body.entries[0].summary).toBe('Erased the personal data of a customer (1 conversation, 3 files)');
    // Erasing again: there is nothing left to erase.
    expect((await admin.post(`/api/admin/contacts/customer/${c.id}/erase`)).status).toBe(404);
  });

  it('erases an anonymous visitor: its conversation, sessions and visitor row', async () => {
    const secret = `visitor-canary-${id()}`;
    const v = await visitorWithConversation(t, `Please call me back about ${secret}`, 'Wendy Secret');
    expect((await admin.post(`/api/admin/contacts/visitor/${v.visitorId}/erase`)).body).toEqual({
      conversations: 1,
      files: 0,
    });
    const all = await everything();
    expect(all.includes('Wendy Secret')).toBe(false);
    expect(all.includes(v.conversationId)).toBe(false);
    expect(
      await t.ctx.db.selectFrom('visitors').selectAll().where('id', '=', v.visitorId).executeTakeFirst(),
    ).toBeUndefined();
    expect((await v.client.get(`/api/conversations/${v.conversationId}`)).status).toBe(401);
  });

  it('lets a customer erase their own account with their password; agents, other customers and strangers cannot erase', async () => {
    const c = await customerWithHistory();
    const other = await registerCustomer(t);
    const path = `/api/admin/contacts/customer/${c.id}/erase`;
    expect((await agent.post(path)).status).toBe(403);
    expect((await other.client.post(path)).status).toBe(403);
    expect((await t.staffClient().post(path)).status).toBe(401);
    expect((await t.client().post('/api/customers/me/erase', { password: PASSWORD })).status).toBe(401);

    const wrong = await c.client.post('/api/customers/me/erase', { password: 'not my password' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details.fields[0].path).toBe('password');
    expect((await c.client.get('/api/customers/me')).status).toBe(200);

    const done = await c.client.post('/api/customers/me/erase', { password: PASSWORD });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ conversations: 1, files: 3 });
    expect((await c.client.get('/api/session')).body.me).toBeNull();
    expect((await everything()).includes(c.email)).toBe(false);
    const line = await t.ctx.services.audit.list({ action: 'contact.erased', targetId: c.id, limit: 1, offset: 0 });
    expect(line.entries[0]).toMatchObject({ actor: { id: null, name: 'customer (self-service)' }, ip: null });
    // The other customer is untouched.
    expect((await other.client.get('/api/customers/me')).status).toBe(200);
  });

  describe('bounded work', () => {
    it('holds the export back while the reader does not read, and stops when the download is abandoned', async () => {
      const customer = await registerCustomer(t);
      const start = await customer.client.post('/api/conversations', {
        text: 'Sending many large files now',
        clientMsgId: `c-${id()}`,
      });
      const conversationId: string = start.body.conversation.id;
      const FILES = 16;
      for (let i = 0; i < FILES; i++) {
        // Incompressible, so each file is a megabyte in the archive too.
        const data = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(1024 * 1024)]);
        const up = await uploadWith(customer.client, `/api/conversations/${conversationId}/attachments`, [
          { name: `scan-${i}.pdf`, data },
        ]);
        expect(up.status, up.text).toBe(201);
        await customer.client.post(`/api/conversations/${conversationId}/messages`, {
          clientMsgId: `f-${i}-${id()}`,
          text: '',
          attachmentIds: [up.body.attachments[0].id],
        });
      }
      // Count the files the export reads from the storage.
      const storage = t.ctx.services.storage;
      const get = storage.get.bind(storage);
      let reads = 0;
      storage.get = (key: string) => {
        reads += 1;
        return get(key);
      };
      /** Waits until `reads` has not changed for a while (the producer is idle: paused or done). */
      const settled = async () => {
        let last = -1;
        while (last !== reads) {
          last = reads;
          await new Promise((r) => setTimeout(r, 400));
        }
        return reads;
      };
      try {
        const url = new URL('/api/customers/me/export', customer.client.baseUrl);
        const request = http.get(url, { headers: { cookie: customer.client.cookieHeader() } });
        const response = await new Promise<http.IncomingMessage>((resolve) => request.on('response', resolve));
        expect(response.statusCode).toBe(200);
        await new Promise((resolve) => response.once('data', resolve));
        response.pause();
        // Nobody reads: the producer waits for the archive, which waits for the socket. Far from every file was read.
        const whilePaused = await settled();
        expect(whilePaused).toBeLessThan(FILES);
        // The reader goes away: the producer stops there and nothing is read any more.
        request.destroy();
        expect(await settled()).toBeLessThan(FILES);
      } finally {
        storage.get = get;
      }
    });

    it('streams an export of many messages and files page by page (the archive opens whole)', async () => {
      const customer = await registerCustomer(t);
      const start = await customer.client.post('/api/conversations', {
        text: 'A long conversation starts here',
        clientMsgId: `c-${id()}`,
      });
      const conversationId: string = start.body.conversation.id;
      const uploads: Buffer[] = [];
      for (let i = 0; i < 25; i++) {
        const data = pdf(`document ${i}`);
        uploads.push(data);
        const up = await uploadWith(customer.client, `/api/conversations/${conversationId}/attachments`, [
          { name: `doc-${i}.pdf`, data },
        ]);
        await customer.client.post(`/api/conversations/${conversationId}/messages`, {
          clientMsgId: `f-${i}-${id()}`,
          text: `file ${i}`,
          attachmentIds: [up.body.attachments[0].id],
        });
      }
      for (let i = 0; i < 230; i++) {
        await customer.client.post(`/api/conversations/${conversationId}/messages`, {
          clientMsgId: `m-${i}-${id()}`,
          text: `message number ${i}`,
        });
      }
      const { files } = await downloadZip(customer.client, '/api/customers/me/export');
      const messagesFile = Object.keys(files).find((f) => f.endsWith('messages.json'))!;
      const messages = json(files, messagesFile);
      // 1 + 25 + 230 messages, across two pages of the reader, in order and without a gap.
      expect(messages).toHaveLength(256);
      expect(messages.map((m: { seq: number }) => m.seq)).toEqual(Array.from({ length: 256 }, (_, i) => i + 1));
      expect(Object.keys(files).filter((f) => f.includes('/files/'))).toHaveLength(25);
    });
  });
});
