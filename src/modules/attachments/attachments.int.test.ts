import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { inTransaction } from '../../db/transaction.js';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import {
  createStaff,
  registerCustomer,
  staffClient,
  visitorClient,
  visitorWithConversation,
} from '../../../test/harness/factories.js';
import {
  doc,
  docx,
  exe,
  html,
  msi,
  pdf,
  plainZip,
  png,
  pngHeader,
  svgWithScript,
  text,
  uploadWith,
  type MultipartFile,
} from '../../../test/harness/file-fixtures.js';
import type { HttpClient } from '../../../test/harness/http-client.js';
import { connected, nextEvent, socketClient } from '../../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';

const MB = 1024 * 1024;
const id = () => randomUUID();

/** Every path under the data directory (sizes for attachment files): what must not change after a refusal. */
function listing(dataDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(dataDir, path);
      if (entry.isDirectory()) {
        out.push(`${rel}/`);
        walk(path);
      } else {
        out.push(rel.startsWith('attachments') ? `${rel} ${statSync(path).size}` : rel);
      }
    }
  };
  walk(dataDir);
  return out.sort();
}

const storedFiles = (t: TestApp) => readdirSync(join(t.database.dataDir, 'attachments'));

const uploadPath = (conversationId: string) => `/api/conversations/${conversationId}/attachments`;
const staffUploadPath = (conversationId: string) => `/api/staff/conversations/${conversationId}/attachments`;

describeEachDialect('attachments', (dialect) => {
  let t: TestApp;
  let agent: HttpClient;
  let admin: HttpClient;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    agent = await staffClient(t, await createStaff(t, 'agent', { firstName: 'Alex', lastName: 'Helper' }));
    admin = await staffClient(t, await createStaff(t, 'admin'));
  });
  afterAll(() => t?.stop());

  /** Uploads files as `client` and returns the stored attachments (fails the test otherwise). */
  async function upload(client: HttpClient, path: string, files: MultipartFile[]) {
    const r = await uploadWith(client, path, files);
    expect(r.status, r.text).toBe(201);
    return r.body.attachments as { id: string; name: string; size: number; mime: string; isImage: boolean }[];
  }

  async function joinedConversation() {
    const v = await visitorWithConversation(t);
    expect((await agent.post(`/api/staff/conversations/${v.conversationId}/join`)).status).toBe(200);
    return v;
  }

  describe('every role uploads, sends and downloads', () => {
    it('a visitor sends an image and a PDF; the agent sees them in history and downloads the same bytes', async () => {
      const v = await joinedConversation();
      const image = png(16, 16);
      const document = pdf();
      const [a, b] = await upload(v.client, uploadPath(v.conversationId), [
        { name: 'screenshot.png', data: image },
        { name: 'Rechnung März.pdf', data: document },
      ]);
      expect(a).toMatchObject({ name: 'screenshot.png', size: image.length, mime: 'image/png', isImage: true });
      expect(b).toMatchObject({ name: 'Rechnung März.pdf', mime: 'application/pdf', isImage: false });

      const sent = await v.client.post(`/api/conversations/${v.conversationId}/messages`, {
        clientMsgId: id(),
        text: 'Here are the files',
        attachmentIds: [a!.id, b!.id],
      });
      expect(sent.status, sent.text).toBe(201);
      expect(sent.body.message.attachments.map((x: { id: string }) => x.id)).toEqual([a!.id, b!.id]);

      const history = await agent.get(`/api/staff/conversations/${v.conversationId}/messages`);
      const message = history.body.messages.find((m: { id: string }) => m.id === sent.body.message.id);
      expect(message.text).toBe('Here are the files');
      expect(message.attachments).toEqual([a, b]);

      const got = await agent.get(`/api/staff/conversations/${v.conversationId}/attachments/${b!.id}`);
      expect(got.status).toBe(200);
      expect(Buffer.from(got.text, 'latin1')).toBeDefined();
      const raw = await fetch(`${t.url}/api/staff/conversations/${v.conversationId}/attachments/${b!.id}`, {
        headers: { cookie: agent.cookieHeader() },
      });
      expect(Buffer.from(await raw.arrayBuffer()).equals(document)).toBe(true);
      expect(raw.headers.get('content-type')).toBe('application/pdf');
      expect(raw.headers.get('content-disposition')).toBe(
        `attachment; filename="Rechnung Marz.pdf"; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf`,
      );
      expect(raw.headers.get('x-content-type-options')).toBe('nosniff');
      expect(raw.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'");
      expect(raw.headers.get('accept-ranges')).toBe('bytes');

      // The inline preview of the image: same bytes, inline disposition.
      const preview = await fetch(
        `${t.url}/api/staff/conversations/${v.conversationId}/attachments/${a!.id}?inline=1`,
        { headers: { cookie: agent.cookieHeader() } },
      );
      expect(preview.headers.get('content-disposition')).toBe('inline; filename="screenshot.png"');
      expect(Buffer.from(await preview.arrayBuffer()).equals(image)).toBe(true);

      // The visitor downloads its own file too.
      const own = await v.client.get(`/api/conversations/${v.conversationId}/attachments/${a!.id}`);
      expect(own.status).toBe(200);
    });

    it('a customer and an agent exchange files both ways; a message may be files only', async () => {
      const { client: customer } = await registerCustomer(t);
      const started = await customer.post('/api/conversations', { text: 'I need help with a document.' });
      expect(started.status).toBe(201);
      const conversationId = started.body.conversation.id as string;
      const [mine] = await upload(customer, uploadPath(conversationId), [
        { name: 'data.csv', data: text('a,b\n1,2\n') },
      ]);
      const sent = await customer.post(`/api/conversations/${conversationId}/messages`, {
        clientMsgId: id(),
        attachmentIds: [mine!.id],
      });
      expect(sent.status, sent.text).toBe(201);
      expect(sent.body.message).toMatchObject({
        text: '',
        attachments: [{ name: 'data.csv', mime: 'text/csv; charset=utf-8' }],
      });

      // The agent must join before uploading, like writing.
      const early = await uploadWith(agent, staffUploadPath(conversationId), [{ name: 'fix.txt', data: text('x') }]);
      expect(early.status).toBe(403);
      expect(early.body.error.code).toBe('not_a_participant');
      await agent.post(`/api/staff/conversations/${conversationId}/join`);
      const [reply] = await upload(agent, staffUploadPath(conversationId), [{ name: 'fixed.docx', data: docx() }]);
      const answer = await agent.post(`/api/staff/conversations/${conversationId}/messages`, {
        clientMsgId: id(),
        text: 'Fixed version attached',
        attachmentIds: [reply!.id],
      });
      expect(answer.status).toBe(201);
      const seen = await customer.get(`/api/conversations/${conversationId}/messages`);
      const last = seen.body.messages.at(-1);
      expect(last.attachments).toEqual([reply]);
      const download = await customer.get(`/api/conversations/${conversationId}/attachments/${reply!.id}`);
      expect(download.status).toBe(200);
      expect(download.headers.get('content-disposition')).toBe('attachment; filename="fixed.docx"');
      // The agent reads the customer's CSV.
      const csv = await agent.get(`/api/staff/conversations/${conversationId}/attachments/${mine!.id}`);
      expect(csv.text).toBe('a,b\n1,2\n');
    });

    it('sockets: message:send with attachmentIds, and message:new frames carry the files (metadata only)', async () => {
      const v = await joinedConversation();
      const [file] = await upload(v.client, uploadPath(v.conversationId), [{ name: 'photo.png', data: png(8, 8) }]);
      const staffSocket = socketClient(t.url, '/staff', { cookie: agent.cookieHeader() });
      const visitorSocket = socketClient(t.url, '/visitor', { cookie: v.client.cookieHeader() });
      try {
        await Promise.all([connected(staffSocket), connected(visitorSocket)]);
        await staffSocket.emitWithAck('conversation:subscribe', { conversationId: v.conversationId });
        const frame = nextEvent<{ message: { attachments: unknown[]; text: string } }>(staffSocket, 'message:new');
        const ack = await visitorSocket.emitWithAck('message:send', {
          conversationId: v.conversationId,
          clientMsgId: id(),
          text: '',
          attachmentIds: [file!.id],
        });
        expect(ack.ok).toBe(true);
        expect(ack.message.attachments).toEqual([file]);
        const received = await frame;
        expect(received.message.attachments).toEqual([file]);
        expect(JSON.stringify(received)).not.toContain('base64');
      } finally {
        staffSocket.close();
        visitorSocket.close();
      }
    });
  });

  describe('bad input is refused with a JSON error and leaves the data directory unchanged', () => {
    const cases: [string, () => MultipartFile[], number, string][] = [
      [
        '11 files in one request',
        () => Array.from({ length: 11 }, (_, i) => ({ name: `f${i}.txt`, data: text('x') })),
        400,
        'too_many_files',
      ],
      [
        'a file of 5 MB + 1 byte',
        () => [{ name: 'big.txt', data: Buffer.alloc(5 * MB + 1, 0x61) }],
        413,
        'file_too_large',
      ],
      ['an .exe renamed .png', () => [{ name: 'cat.png', data: exe() }], 415, 'file_type_mismatch'],
      ['HTML named .png', () => [{ name: 'cat.png', data: html() }], 415, 'file_type_mismatch'],
      ['an SVG with a script', () => [{ name: 'logo.svg', data: svgWithScript() }], 415, 'file_type_not_allowed'],
      [
        'an SVG with a script named .png',
        () => [{ name: 'logo.png', data: svgWithScript() }],
        415,
        'file_type_mismatch',
      ],
      ['a .docx that is a plain zip', () => [{ name: 'report.docx', data: plainZip() }], 415, 'file_type_mismatch'],
      ['a .doc that is an .msi', () => [{ name: 'setup.doc', data: msi() }], 415, 'file_type_mismatch'],
      [
        'the name ../../etc/passwd',
        () => [{ name: '../../etc/passwd', data: text('root:x:0:0') }],
        415,
        'file_type_not_allowed',
      ],
      ['the name ..\\x', () => [{ name: '..\\x', data: text('x') }], 415, 'file_type_not_allowed'],
      ['the name %2e%2e%2f', () => [{ name: '%2e%2e%2f', data: text('x') }], 415, 'file_type_not_allowed'],
      ['a name with NUL bytes', () => [{ name: 'a\u0000.txt', data: text('x') }], 400, 'file_name_invalid'],
      ['a 4 kB name', () => [{ name: `${'a'.repeat(4096)}.txt`, data: text('x') }], 400, 'file_name_invalid'],
      [
        'an RLO trick (invoice‮fdp.exe)',
        () => [{ name: 'invoice\u202Efdp.exe', data: exe() }],
        415,
        'file_type_not_allowed',
      ],
      ['an empty name', () => [{ name: '', data: text('x') }], 400, 'file_name_invalid'],
      ['a name of dots and spaces', () => [{ name: ' . .. ', data: text('x') }], 400, 'file_name_invalid'],
      // A good file first: the request is all or nothing, so the first file is not kept either.
      [
        'a good file followed by a bad one',
        () => [
          { name: 'ok.txt', data: text('fine') },
          { name: 'bad.png', data: exe() },
        ],
        415,
        'file_type_mismatch',
      ],
    ];

    it.each(cases)('%s', async (_name, files, status, code) => {
      const v = await visitorWithConversation(t);
      const before = listing(t.database.dataDir);
      const r = await uploadWith(v.client, uploadPath(v.conversationId), files());
      expect(r.status, r.text).toBe(status);
      expect(r.headers.get('content-type')).toContain('application/json');
      expect(r.body.error.code).toBe(code);
      expect(r.body.error.details.files[0]).toMatchObject({ code, message: expect.any(String) });
      expect(listing(t.database.dataDir)).toEqual(before);
      // Nothing was kept for this conversation: the history shows no files and nothing is pending.
      const pending = await t.ctx.db
        .selectFrom('attachments')
        .select('id')
        .where('conversationId', '=', v.conversationId)
        .execute();
      expect(pending).toEqual([]);
    });

    it('reports the refused file by position and name, so the UI can show the error next to it', async () => {
      const v = await visitorWithConversation(t);
      const r = await uploadWith(v.client, uploadPath(v.conversationId), [
        { name: 'fine.txt', data: text('ok') },
        { name: 'holiday.png', data: exe() },
      ]);
      expect(r.body.error.details.files).toEqual([
        { index: 1, name: 'holiday.png', code: 'file_type_mismatch', message: expect.stringContaining('.png') },
      ]);
    });

    it('a message referencing 11 files is too_many_files', async () => {
      const v = await visitorWithConversation(t);
      const first = await upload(
        v.client,
        uploadPath(v.conversationId),
        Array.from({ length: 10 }, (_, i) => ({ name: `f${i}.txt`, data: text(`file ${i}`) })),
      );
      const [eleventh] = await upload(v.client, uploadPath(v.conversationId), [{ name: 'f10.txt', data: text('x') }]);
      const r = await v.client.post(`/api/conversations/${v.conversationId}/messages`, {
        clientMsgId: id(),
        attachmentIds: [...first.map((f) => f.id), eleventh!.id],
      });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('too_many_files');
    });

    it('a message totalling 25 MB + 1 byte is message_too_large', async () => {
      const v = await visitorWithConversation(t);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const [f] = await upload(v.client, uploadPath(v.conversationId), [
          { name: `part${i}.txt`, data: Buffer.alloc(5 * MB, 0x61 + i) },
        ]);
        ids.push(f!.id);
      }
      const [extra] = await upload(v.client, uploadPath(v.conversationId), [{ name: 'one.txt', data: text('!') }]);
      const r = await v.client.post(`/api/conversations/${v.conversationId}/messages`, {
        clientMsgId: id(),
        attachmentIds: [...ids, extra!.id],
      });
      expect(r.status).toBe(413);
      expect(r.body.error.code).toBe('message_too_large');
      // Exactly 25 MB is fine.
      const ok = await v.client.post(`/api/conversations/${v.conversationId}/messages`, {
        clientMsgId: id(),
        attachmentIds: ids,
      });
      expect(ok.status).toBe(201);
    });

    it('one upload request totalling over 25 MB is message_too_large too', async () => {
      const v = await visitorWithConversation(t);
      const before = listing(t.database.dataDir);
      const files = Array.from({ length: 6 }, (_, i) => ({ name: `p${i}.txt`, data: Buffer.alloc(5 * MB, 0x61) }));
      const r = await uploadWith(v.client, uploadPath(v.conversationId), files);
      expect(r.status).toBe(413);
      expect(r.body.error).toMatchObject({ code: 'message_too_large', details: { files: [{ index: 5 }] } });
      expect(listing(t.database.dataDir)).toEqual(before);
    });

    it('another conversation’s attachment is 404, exactly like a missing one', async () => {
      const a = await visitorWithConversation(t);
      const b = await visitorWithConversation(t);
      const [file] = await upload(a.client, uploadPath(a.conversationId), [{ name: 'a.txt', data: text('secret') }]);
      await a.client.post(`/api/conversations/${a.conversationId}/messages`, {
        clientMsgId: id(),
        attachmentIds: [file!.id],
      });
      const foreign = await b.client.get(`/api/conversations/${a.conversationId}/attachments/${file!.id}`);
      const crossed = await b.client.get(`/api/conversations/${b.conversationId}/attachments/${file!.id}`);
      const missing = await b.client.get(`/api/conversations/${b.conversationId}/attachments/${id()}`);
      expect([foreign.status, crossed.status, missing.status]).toEqual([404, 404, 404]);
      expect(foreign.text).toBe(missing.text);
      expect(crossed.text).toBe(missing.text);
      // Nor can b send it in a message of its own conversation.
      const stolen = await b.client.post(`/api/conversations/${b.conversationId}/messages`, {
        clientMsgId: id(),
        attachmentIds: [file!.id],
      });
      expect(stolen.status).toBe(404);
      // Nor upload into a's conversation.
      const before = listing(t.database.dataDir);
      const into = await uploadWith(b.client, uploadPath(a.conversationId), [{ name: 'x.txt', data: text('x') }]);
      expect(into.status).toBe(404);
      expect(listing(t.database.dataDir)).toEqual(before);
    });

    it('no session: 401 for uploads and downloads, nothing stored', async () => {
      const v = await visitorWithConversation(t);
      const [file] = await upload(v.client, uploadPath(v.conversationId), [{ name: 'a.txt', data: text('x') }]);
      const before = listing(t.database.dataDir);
      const anonymous = t.client();
      const up = await uploadWith(anonymous, uploadPath(v.conversationId), [{ name: 'b.txt', data: text('x') }]);
      expect(up.status).toBe(401);
      expect(up.body.error.code).toBe('unauthenticated');
      expect((await anonymous.get(`/api/conversations/${v.conversationId}/attachments/${file!.id}`)).status).toBe(401);
      expect(
        (await t.staffClient().get(`/api/staff/conversations/${v.conversationId}/attachments/${file!.id}`)).status,
      ).toBe(401);
      // A visitor on the staff endpoint is not staff.
      expect((await v.client.get(`/api/staff/conversations/${v.conversationId}/attachments/${file!.id}`)).status).toBe(
        403,
      );
      expect(listing(t.database.dataDir)).toEqual(before);
    });

    it('after the conversation was purged: 404, and its files are gone from the disk', async () => {
      const v = await joinedConversation();
      const [file] = await upload(v.client, uploadPath(v.conversationId), [{ name: 'a.png', data: png() }]);
      await v.client.post(`/api/conversations/${v.conversationId}/messages`, {
        clientMsgId: id(),
        attachmentIds: [file!.id],
      });
      const filesBefore = storedFiles(t).length;
      await inTransaction(t.ctx.db, t.ctx.bus, (uow) => t.ctx.services.conversations.erase(uow, v.conversationId));
      // Deleted by the outbox once the erasure committed (the jobs runner, a moment later).
      await expect.poll(() => storedFiles(t).length).toBe(filesBefore - 1);
      expect((await v.client.get(`/api/conversations/${v.conversationId}/attachments/${file!.id}`)).status).toBe(404);
      expect((await agent.get(`/api/staff/conversations/${v.conversationId}/attachments/${file!.id}`)).status).toBe(
        404,
      );
    });

    it('a truncated multipart body is upload_incomplete and stores nothing', async () => {
      const v = await visitorWithConversation(t);
      const before = listing(t.database.dataDir);
      // Cut inside the closing boundary, right after the last file's data, and in the middle of that file.
      for (const truncateBy of [4, 40, 5000]) {
        const r = await uploadWith(
          v.client,
          uploadPath(v.conversationId),
          [
            { name: 'a.txt', data: text('first file') },
            { name: 'b.txt', data: text('line of text\n'.repeat(1000)) },
          ],
          { truncateBy },
        );
        expect(r.status, `${truncateBy}: ${r.text}`).toBe(400);
        expect(r.body.error.code).toBe('upload_incomplete');
      }
      expect(listing(t.database.dataDir)).toEqual(before);
    });

    it('a body that is not multipart, or has no file, is refused', async () => {
      const v = await visitorWithConversation(t);
      const json = await v.client.post(uploadPath(v.conversationId), { file: 'x' });
      expect(json.status).toBe(415);
      const form = new FormData();
      form.append('note', 'no file here');
      const empty = await v.client.post(uploadPath(v.conversationId), undefined, { raw: form });
      expect(empty.status).toBe(400);
      expect(empty.body.error.code).toBe('no_files');
    });

    it('a message with neither text nor files is message_empty (and text rules are unchanged)', async () => {
      const v = await visitorWithConversation(t);
      for (const body of [{ clientMsgId: id() }, { clientMsgId: id(), text: '  ', attachmentIds: [] }]) {
        const r = await v.client.post(`/api/conversations/${v.conversationId}/messages`, body);
        expect(r.status).toBe(400);
        expect(r.body.error.details.fields[0]).toMatchObject({ path: 'body.text', code: 'message_empty' });
      }
      const long = await v.client.post(`/api/conversations/${v.conversationId}/messages`, {
        clientMsgId: id(),
        text: 'x'.repeat(2001),
        attachmentIds: [id()],
      });
      expect(long.body.error.details.fields[0].code).toBe('message_too_long');
    });
  });

  describe('referencing', () => {
    it('one file goes into one message: two concurrent sends claiming it give one message and one attachment_in_use', async () => {
      const v = await visitorWithConversation(t);
      const [file] = await upload(v.client, uploadPath(v.conversationId), [{ name: 'a.txt', data: text('x') }]);
      const send = () =>
        v.client.post(`/api/conversations/${v.conversationId}/messages`, {
          clientMsgId: id(),
          text: 'take it',
          attachmentIds: [file!.id],
        });
      const results = await Promise.all([send(), send(), send()]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
      expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === 'attachment_in_use')).toBe(
        true,
      );
      const history = await v.client.get(`/api/conversations/${v.conversationId}/messages`);
      expect(history.body.messages.filter((m: { text: string }) => m.text === 'take it')).toHaveLength(1);
    });

    it('a resend with the same client id returns the original; other files with that id is a conflict', async () => {
      const v = await visitorWithConversation(t);
      const [a, b] = await upload(v.client, uploadPath(v.conversationId), [
        { name: 'a.txt', data: text('a') },
        { name: 'b.txt', data: text('b') },
      ]);
      const clientMsgId = id();
      const path = `/api/conversations/${v.conversationId}/messages`;
      expect((await v.client.post(path, { clientMsgId, text: 'files', attachmentIds: [a!.id] })).status).toBe(201);
      const again = await v.client.post(path, { clientMsgId, text: 'files', attachmentIds: [a!.id] });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ duplicate: true, message: { attachments: [a] } });
      const other = await v.client.post(path, { clientMsgId, text: 'files', attachmentIds: [b!.id] });
      expect(other.status).toBe(409);
      expect(other.body.error.code).toBe('duplicate_client_id');
    });

    it('a private note’s files are for staff only', async () => {
      const v = await joinedConversation();
      const [file] = await upload(agent, staffUploadPath(v.conversationId), [
        { name: 'internal.txt', data: text('x') },
      ]);
      const note = await agent.post(`/api/staff/conversations/${v.conversationId}/messages`, {
        clientMsgId: id(),
        text: 'see log',
        note: true,
        attachmentIds: [file!.id],
      });
      expect(note.status).toBe(201);
      expect((await agent.get(`/api/staff/conversations/${v.conversationId}/attachments/${file!.id}`)).status).toBe(
        200,
      );
      const visitorView = await v.client.get(`/api/conversations/${v.conversationId}/attachments/${file!.id}`);
      const missing = await v.client.get(`/api/conversations/${v.conversationId}/attachments/${id()}`);
      expect(visitorView.status).toBe(404);
      expect(visitorView.text).toBe(missing.text);
    });

    it('an upload not sent yet is its uploader’s only; it can be removed', async () => {
      const v = await joinedConversation();
      const [file] = await upload(v.client, uploadPath(v.conversationId), [{ name: 'draft.png', data: png() }]);
      expect(
        (await v.client.get(`/api/conversations/${v.conversationId}/attachments/${file!.id}?inline=1`)).status,
      ).toBe(200);
      expect((await agent.get(`/api/staff/conversations/${v.conversationId}/attachments/${file!.id}`)).status).toBe(
        404,
      );
      const count = storedFiles(t).length;
      expect((await v.client.delete(`/api/conversations/${v.conversationId}/attachments/${file!.id}`)).status).toBe(
        204,
      );
      expect(storedFiles(t).length).toBe(count - 1);
      expect((await v.client.delete(`/api/conversations/${v.conversationId}/attachments/${file!.id}`)).status).toBe(
        404,
      );
    });
  });

  describe('downloads', () => {
    it('serve code and html as opaque downloads, never inline; previews only for safe images under the cap', async () => {
      const v = await visitorWithConversation(t);
      const [page, big, bmpLike] = await upload(v.client, uploadPath(v.conversationId), [
        { name: 'page.html', data: html() },
        { name: 'huge.png', data: Buffer.concat([png(), Buffer.alloc(2 * MB)]) },
        { name: 'script.js', data: text('alert(1)') },
      ]);
      const get = (fileId: string) =>
        fetch(`${t.url}/api/conversations/${v.conversationId}/attachments/${fileId}?inline=1`, {
          headers: { cookie: v.client.cookieHeader() },
        });
      const pageResponse = await get(page!.id);
      expect(pageResponse.headers.get('content-type')).toBe('application/octet-stream');
      expect(pageResponse.headers.get('content-disposition')).toMatch(/^attachment;/);
      expect((await get(bmpLike!.id)).headers.get('content-type')).toBe('application/octet-stream');
      const bigResponse = await get(big!.id);
      expect(bigResponse.headers.get('content-type')).toBe('image/png');
      expect(bigResponse.headers.get('content-disposition')).toMatch(/^attachment;/);
    });

    it('answer byte ranges for media (206, 416)', async () => {
      const v = await visitorWithConversation(t);
      const video = Buffer.concat([
        Buffer.from([0, 0, 0, 20]),
        Buffer.from('ftypisom'),
        Buffer.alloc(8),
        Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256)),
      ]);
      const [clip] = await upload(v.client, uploadPath(v.conversationId), [{ name: 'clip.mp4', data: video }]);
      const path = `${t.url}/api/conversations/${v.conversationId}/attachments/${clip!.id}`;
      const cookie = v.client.cookieHeader();
      const part = await fetch(path, { headers: { cookie, range: 'bytes=100-199' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 100-199/${video.length}`);
      expect(Buffer.from(await part.arrayBuffer()).equals(video.subarray(100, 200))).toBe(true);
      const tail = await fetch(path, { headers: { cookie, range: 'bytes=-10' } });
      expect(Buffer.from(await tail.arrayBuffer()).equals(video.subarray(-10))).toBe(true);
      const open = await fetch(path, { headers: { cookie, range: `bytes=${video.length - 5}-` } });
      expect(open.headers.get('content-range')).toBe(`bytes ${video.length - 5}-${video.length - 1}/${video.length}`);
      const beyond = await fetch(path, { headers: { cookie, range: `bytes=${video.length}-` } });
      expect(beyond.status).toBe(416);
      expect(beyond.headers.get('content-range')).toBe(`bytes */${video.length}`);
      expect((await fetch(path, { headers: { cookie } })).headers.get('content-type')).toBe('video/mp4');
    });
  });

  describe('at rest', () => {
    it('stores ciphertext only: a canary in a .txt and in its name never appears on disk', async () => {
      const v = await visitorWithConversation(t);
      const canary = `CANARY-${randomUUID()}`;
      const nameCanary = `NAMECANARY${randomUUID().slice(0, 8)}`;
      const [file] = await upload(v.client, uploadPath(v.conversationId), [
        { name: `${nameCanary}.txt`, data: text(`top secret ${canary} ${canary}`) },
      ]);
      await v.client.post(`/api/conversations/${v.conversationId}/messages`, {
        clientMsgId: id(),
        attachmentIds: [file!.id],
      });
      const folder = join(t.database.dataDir, 'attachments');
      for (const name of readdirSync(folder)) {
        expect(name).toMatch(/^[0-9a-f]{32}$/);
        const bytes = readFileSync(join(folder, name));
        expect(bytes.includes(canary)).toBe(false);
        expect(bytes.includes(nameCanary)).toBe(false);
      }
      const row = await t.ctx.db
        .selectFrom('attachments')
        .selectAll()
        .where('id', '=', file!.id)
        .executeTakeFirstOrThrow();
      expect(row.name.includes(nameCanary)).toBe(false);
      expect(row.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      if (dialect === 'sqlite') {
        for (const dbFile of readdirSync(t.database.dataDir).filter((n) => n.startsWith('support-central.db'))) {
          const bytes = readFileSync(join(t.database.dataDir, dbFile));
          expect(bytes.includes(canary)).toBe(false);
          expect(bytes.includes(nameCanary)).toBe(false);
        }
      }
      // Still readable through the application.
      expect((await agent.get(`/api/staff/conversations/${v.conversationId}/attachments/${file!.id}`)).text).toContain(
        canary,
      );
    });

    it('erasing a customer removes their conversations’ files', async () => {
      const customer = await registerCustomer(t);
      const started = await customer.client.post('/api/conversations', { text: 'Please delete my data later.' });
      const conversationId = started.body.conversation.id as string;
      const files = await upload(customer.client, uploadPath(conversationId), [
        { name: 'a.pdf', data: pdf() },
        { name: 'b.png', data: png() },
      ]);
      await customer.client.post(`/api/conversations/${conversationId}/messages`, {
        clientMsgId: id(),
        attachmentIds: [files[0]!.id],
      });
      const count = storedFiles(t).length;
      expect((await admin.delete(`/api/admin/users/${customer.id}`)).status).toBe(200);
      // Both the sent and the unsent file are gone (through the outbox, a moment after the commit).
      await expect.poll(() => storedFiles(t).length).toBe(count - 2);
      const rows = await t.ctx.db
        .selectFrom('attachments')
        .select('id')
        .where('conversationId', '=', conversationId)
        .execute();
      expect(rows).toEqual([]);
      expect((await agent.get(`/api/staff/conversations/${conversationId}/attachments/${files[0]!.id}`)).status).toBe(
        404,
      );
    });
  });

  describe('image dimensions', () => {
    it('refuse an image whose header declares more pixels than attachments.maxImagePixels, naming the file', async () => {
      const v = await visitorWithConversation(t);
      const bomb = pngHeader(50_000, 50_000);
      expect(bomb.length).toBeLessThan(120);
      const before = storedFiles(t).length;
      const refused = await uploadWith(v.client, uploadPath(v.conversationId), [
        { name: 'fine.png', data: png(4, 4) },
        { name: 'bomb.png', data: bomb },
      ]);
      expect(refused.status).toBe(413);
      expect(refused.body.error.code).toBe('image_too_large');
      expect(refused.body.error.details.files).toEqual([
        {
          index: 1,
          name: 'bomb.png',
          code: 'image_too_large',
          message: 'This image is 50,000 × 50,000 pixels; images are limited to 50 megapixels.',
        },
      ]);
      // All or nothing: the fine file of the refused request was not kept either.
      expect(storedFiles(t)).toHaveLength(before);
      // Browsers learn the limit with the other rules.
      expect((await t.client().get('/api/settings/public')).body.attachments.maxImagePixels).toBe(50_000_000);
    });

    it('serve an image over the current limit (stored under a higher one) only as a download', async () => {
      const v = await visitorWithConversation(t);
      const [big] = await upload(v.client, uploadPath(v.conversationId), [
        { name: 'big.png', data: pngHeader(4000, 3000) },
      ]);
      const preview = () =>
        fetch(`${t.url}/api/conversations/${v.conversationId}/attachments/${big!.id}?inline=1`, {
          headers: { cookie: v.client.cookieHeader() },
        });
      expect((await preview()).headers.get('content-disposition')).toMatch(/^inline;/);
      try {
        expect((await admin.patch('/api/admin/settings', { 'attachments.maxImagePixels': 1_000_000 })).status).toBe(
          200,
        );
        expect((await preview()).headers.get('content-disposition')).toMatch(/^attachment;/);
        const refused = await uploadWith(v.client, uploadPath(v.conversationId), [
          { name: 'again.png', data: pngHeader(4000, 3000) },
        ]);
        expect(refused.body.error.details.files[0].message).toBe(
          'This image is 4,000 × 3,000 pixels; images are limited to 1 megapixel.',
        );
      } finally {
        await admin.patch('/api/admin/settings', { 'attachments.maxImagePixels': 50_000_000 });
      }
    });
  });

  describe('settings', () => {
    it('admins change the limits and the allowed types; the public settings show them', async () => {
      const v = await visitorWithConversation(t);
      try {
        const changed = await admin.patch('/api/admin/settings', {
          'attachments.maxFileBytes': 2048,
          'attachments.allowedExtensions': ['pdf', 'TXT'],
        });
        expect(changed.status, changed.text).toBe(200);
        const pub = await t.client().get('/api/settings/public');
        expect(pub.body.attachments).toMatchObject({ maxFileBytes: 2048, allowedExtensions: ['pdf', 'txt'] });
        const tooBig = await uploadWith(v.client, uploadPath(v.conversationId), [
          { name: 'a.txt', data: Buffer.alloc(2049, 0x61) },
        ]);
        expect(tooBig.body.error.code).toBe('file_too_large');
        const image = await uploadWith(v.client, uploadPath(v.conversationId), [{ name: 'a.png', data: png() }]);
        expect(image.body.error.code).toBe('file_type_not_allowed');
        expect(
          (await uploadWith(v.client, uploadPath(v.conversationId), [{ name: 'a.pdf', data: pdf() }])).status,
        ).toBe(201);
        // Never more than the product's list.
        const svg = await admin.patch('/api/admin/settings', { 'attachments.allowedExtensions': ['svg'] });
        expect(svg.status).toBe(400);
        const huge = await admin.patch('/api/admin/settings', { 'attachments.maxFileBytes': 1024 * MB });
        expect(huge.status).toBe(400);
      } finally {
        await admin.patch('/api/admin/settings', {
          'attachments.maxFileBytes': 5 * MB,
          'attachments.allowedExtensions': (await import('../../shared/file-name.js')).ALLOWED_FILE_EXTENSIONS,
        });
      }
    });
  });
});

describeEachDialect('attachments: the janitor and the rate limit', (dialect) => {
  it('removes uploads never sent after an hour, keeps sent ones and young ones', async () => {
    const clock = new ManualClock(Date.now());
    const t = await startTestApp(dialect, { clock });
    try {
      const v = await visitorWithConversation(t);
      const path = uploadPath(v.conversationId);
      const [sent] = (await uploadWith(v.client, path, [{ name: 'sent.txt', data: text('s') }])).body.attachments;
      const [stale] = (await uploadWith(v.client, path, [{ name: 'stale.txt', data: text('x') }])).body.attachments;
      await v.client.post(`/api/conversations/${v.conversationId}/messages`, {
        clientMsgId: id(),
        attachmentIds: [sent.id],
      });
      clock.advance(61 * 60 * 1000);
      const [young] = (await uploadWith(v.client, path, [{ name: 'young.txt', data: text('y') }])).body.attachments;
      expect(storedFiles(t)).toHaveLength(3);
      const swept = await t.ctx.services.attachments.sweep();
      expect(swept).toMatchObject({ ran: true, unreferenced: 1 });
      expect(storedFiles(t)).toHaveLength(2);
      const ids = (await t.ctx.db.selectFrom('attachments').select('id').execute()).map((r) => r.id).sort();
      expect(ids).toEqual([sent.id, young.id].sort());
      // The expired upload can no longer be sent.
      const late = await v.client.post(`/api/conversations/${v.conversationId}/messages`, {
        clientMsgId: id(),
        attachmentIds: [stale.id],
      });
      expect(late.status).toBe(404);
    } finally {
      await t.stop();
    }
  });

  it('removes stored files left without a row (a crash after a commit) once they are an hour old', async () => {
    const t = await startTestApp(dialect);
    try {
      const v = await visitorWithConversation(t);
      await uploadWith(v.client, uploadPath(v.conversationId), [{ name: 'kept.txt', data: text('k') }]);
      const folder = join(t.database.dataDir, 'attachments');
      const old = join(folder, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
      const young = join(folder, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb');
      writeFileSync(old, 'orphan');
      writeFileSync(young, 'maybe an upload in progress');
      const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
      utimesSync(old, twoHoursAgo, twoHoursAgo);
      const kept = storedFiles(t).filter((f) => f !== 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
      expect(await t.ctx.services.attachments.sweep({ scanOrphans: true })).toMatchObject({ ran: true, orphans: 1 });
      expect(storedFiles(t).sort()).toEqual(kept.sort());
    } finally {
      await t.stop();
    }
  });

  it('refuses an upload from a foreign origin riding on the visitor’s cookie (CSRF)', async () => {
    const t = await startTestApp(dialect);
    try {
      const v = await visitorWithConversation(t);
      const before = listing(t.database.dataDir);
      v.client.withOrigin('https://evil.example');
      const r = await uploadWith(v.client, uploadPath(v.conversationId), [{ name: 'a.txt', data: text('x') }]);
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('csrf_failed');
      expect(listing(t.database.dataDir)).toEqual(before);
    } finally {
      await t.stop();
    }
  });

  it('limits upload requests per minute (LIMIT_UPLOADS_PER_MINUTE)', async () => {
    const t = await startTestApp(dialect, { env: { LIMIT_UPLOADS_PER_MINUTE: '2' } });
    try {
      const v = await visitorClient(t);
      const started = await v.client.post('/api/conversations', {
        displayName: 'Rita Rate',
        text: 'Testing the limits here.',
      });
      const path = uploadPath(started.body.conversation.id);
      const statuses = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await uploadWith(v.client, path, [{ name: 'a.txt', data: text('x') }])).status);
      expect(statuses).toEqual([201, 201, 429]);
    } finally {
      await t.stop();
    }
  });
});

describe('doc fixtures are what they claim', () => {
  it('a real .doc passes, the .msi does not', async () => {
    const { detectFileKind } = await import('./file-type.js');
    expect(detectFileKind(doc(), 'doc', { complete: true }).ok).toBe(true);
    expect(detectFileKind(msi(), 'doc', { complete: true }).ok).toBe(false);
    expect(detectFileKind(docx(), 'docx', { complete: true }).ok).toBe(true);
  });
});
