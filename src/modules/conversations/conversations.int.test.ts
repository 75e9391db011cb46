import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import {
  createStaff,
  PASSWORD,
  registerCustomer,
  staffClient,
  visitorClient,
  visitorWithConversation,
} from '../../../test/harness/factories.js';
import type { HttpClient } from '../../../test/harness/http-client.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';

const id = () => randomUUID();

describeEachDialect('conversations over HTTP', (dialect) => {
  let t: TestApp;
  let agent: HttpClient;
  let agentName: string;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { AGENT_TITLE: 'Course Assistant' } });
    const account = await createStaff(t, 'agent', { firstName: 'Alex', lastName: 'Helper' });
    agentName = account.user.displayName;
    agent = await staffClient(t, account);
  });
  afterAll(() => t?.stop());

  describe('starting', () => {
    it('starts a waiting conversation with the first message as seq 1, and lists it as mine', async () => {
      const topics = (await t.client().get('/api/topics')).body.topics;
      expect(topics.length).toBeGreaterThan(3);
      const { client } = await visitorClient(t);
      const r = await client.post('/api/conversations', {
        displayName: '  Vera  Visitor ',
        topicId: topics[0].id,
        text: 'My homework upload keeps failing.',
        clientMsgId: id(),
      });
      expect(r.status).toBe(201);
      expect(r.body.conversation).toMatchObject({
        status: 'waiting',
        displayName: 'Vera Visitor',
        topic: topics[0].label,
        lastSeq: 1,
      });
      expect(r.body.message).toMatchObject({
        seq: 1,
        kind: 'text',
        text: 'My homework upload keeps failing.',
        author: { type: 'visitor', isSelf: true },
      });
      const mine = await client.get('/api/conversations');
      expect(mine.body.conversations.map((c: { id: string }) => c.id)).toEqual([r.body.conversation.id]);
      expect(mine.body.conversations[0].lastMessage.text).toBe('My homework upload keeps failing.');
    });

    it('allows one open conversation per visitor', async () => {
      const { client, conversationId } = await visitorWithConversation(t);
      const again = await client.post('/api/conversations', { displayName: 'Vera', text: 'Another question for you.' });
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({ code: 'conversation_already_open', details: { conversationId } });
    });

    it.each([
      [
        'an impersonating name',
        { displayName: '🤖 System', text: 'Hello there, I need help.' },
        'displayName',
        'name_reserved',
      ],
      [
        'a staff member’s name',
        { displayName: 'Alex Helper', text: 'Hello there, I need help.' },
        'displayName',
        'name_reserved',
      ],
      ['a one-letter name', { displayName: 'V', text: 'Hello there, I need help.' }, 'displayName', 'name_too_short'],
      ['a too short first message', { displayName: 'Vera', text: 'Hi' }, 'text', 'message_too_short'],
      [
        'an unknown topic',
        { displayName: 'Vera', text: 'Hello there, I need help.', topicId: 'nope' },
        'topicId',
        undefined,
      ],
    ])('refuses %s with the field and its code', async (_name, body, field, code) => {
      const { client } = await visitorClient(t);
      const r = await client.post('/api/conversations', body);
      expect(r.status).toBe(400);
      const problem = r.body.error.details.fields.find((f: { path: string }) => f.path.endsWith(field));
      expect(problem).toBeDefined();
      if (code) expect(problem.code).toBe(code);
    });

    it('needs a visitor or customer session', async () => {
      const r = await t.client().post('/api/conversations', { displayName: 'Vera', text: 'Hello there, I need help.' });
      expect(r.status).toBe(401);
    });
  });

  describe('messages', () => {
    it('dedupes a resend with the same client id, and refuses the same id with different text', async () => {
      const { client, conversationId } = await visitorWithConversation(t);
      const clientMsgId = id();
      const first = await client.post(`/api/conversations/${conversationId}/messages`, {
        clientMsgId,
        text: 'Are you there?',
      });
      expect(first.status).toBe(201);
      const again = await client.post(`/api/conversations/${conversationId}/messages`, {
        clientMsgId,
        text: 'Are you there?',
      });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({
        duplicate: true,
        message: { id: first.body.message.id, seq: first.body.message.seq },
      });
      const conflict = await client.post(`/api/conversations/${conversationId}/messages`, {
        clientMsgId,
        text: 'Something else',
      });
      expect(conflict.status).toBe(409);
      expect(conflict.body.error.code).toBe('duplicate_client_id');
      const history = await client.get(`/api/conversations/${conversationId}/messages`);
      expect(history.body.messages.filter((m: { text: string }) => m.text === 'Are you there?')).toHaveLength(1);
    });

    it.each([
      ['empty', '', 'message_empty'],
      ['whitespace only', ' \n\t  ', 'message_empty'],
      ['2,001 code points', '😀'.repeat(2001), 'message_too_long'],
      ['over 8 KB of input', 'x'.repeat(70_000), 'message_too_large'],
    ])('refuses a %s message', async (_name, text, code) => {
      const { client, conversationId } = await visitorWithConversation(t);
      const r = await client.post(`/api/conversations/${conversationId}/messages`, { clientMsgId: id(), text });
      expect([400, 413]).toContain(r.status);
      if (r.status === 400) expect(r.body.error.details.fields[0].code).toBe(code);
    });

    it('strips control and bidi-override characters but keeps emoji joiners', async () => {
      const { client, conversationId } = await visitorWithConversation(t);
      const r = await client.post(`/api/conversations/${conversationId}/messages`, {
        clientMsgId: id(),
        text: 'invoice\u202Efdp.exe\u0007 and 👩‍💻 done',
      });
      expect(r.status).toBe(201);
      expect(r.body.message.text).toBe('invoicefdp.exe and 👩‍💻 done');
    });

    it('ignores or refuses payloads that claim an author, a role or a note flag', async () => {
      const { client, conversationId } = await visitorWithConversation(t);
      for (const extra of [{ author: 'Support' }, { authorType: 'staff' }, { note: true }, { kind: 'system' }]) {
        const r = await client.post(`/api/conversations/${conversationId}/messages`, {
          clientMsgId: id(),
          text: 'hello',
          ...extra,
        });
        expect(r.status).toBe(400);
      }
    });
  });

  describe('who may read and write', () => {
    it('answers 404, identical to a missing id, for another visitor’s conversation', async () => {
      const a = await visitorWithConversation(t);
      const b = await visitorClient(t);
      const foreign = await b.client.get(`/api/conversations/${a.conversationId}/messages`);
      const missing = await b.client.get(`/api/conversations/${id()}/messages`);
      expect(foreign.status).toBe(404);
      expect(foreign.text).toBe(missing.text);
      expect(
        (await b.client.post(`/api/conversations/${a.conversationId}/messages`, { clientMsgId: id(), text: 'hi' }))
          .status,
      ).toBe(404);
      expect((await b.client.post(`/api/conversations/${a.conversationId}/leave`)).status).toBe(404);
    });

    it('lets agents read any conversation but write only after joining', async () => {
      const { conversationId } = await visitorWithConversation(t);
      expect((await agent.get(`/api/staff/conversations/${conversationId}/messages`)).status).toBe(200);
      const early = await agent.post(`/api/staff/conversations/${conversationId}/messages`, {
        clientMsgId: id(),
        text: 'Hello!',
      });
      expect(early.status).toBe(403);
      expect(early.body.error.code).toBe('not_a_participant');
      expect((await agent.post(`/api/staff/conversations/${conversationId}/join`)).body.status).toBe('active');
      expect(
        (await agent.post(`/api/staff/conversations/${conversationId}/messages`, { clientMsgId: id(), text: 'Hello!' }))
          .status,
      ).toBe(201);
    });

    it('keeps visitors and customers off staff endpoints', async () => {
      const { client, conversationId } = await visitorWithConversation(t);
      expect((await client.get(`/api/staff/conversations/${conversationId}`)).status).toBe(403);
      expect((await t.staffClient().get(`/api/staff/conversations/${conversationId}`)).status).toBe(401);
      const { client: customer } = await registerCustomer(t);
      expect((await customer.post(`/api/staff/conversations/${conversationId}/join`)).status).toBe(403);
    });
  });

  describe('lifecycle, system lines and the two sequences', () => {
    it('numbers notes for staff only: the visitor sees a gapless sequence and never the note', async () => {
      const { client, conversationId } = await visitorWithConversation(t);
      await agent.post(`/api/staff/conversations/${conversationId}/join`);
      await agent.post(`/api/staff/conversations/${conversationId}/messages`, {
        clientMsgId: id(),
        text: 'Customer seems upset',
        note: true,
      });
      await agent.post(`/api/staff/conversations/${conversationId}/messages`, {
        clientMsgId: id(),
        text: 'How can I help?',
      });
      await client.post(`/api/conversations/${conversationId}/messages`, {
        clientMsgId: id(),
        text: 'My upload fails.',
      });

      const staffView = (await agent.get(`/api/staff/conversations/${conversationId}/messages`)).body;
      expect(staffView.messages.map((m: { seq: number; kind: string }) => [m.seq, m.kind])).toEqual([
        [1, 'text'],
        [2, 'system'],
        [3, 'note'],
        [4, 'text'],
        [5, 'text'],
      ]);
      expect(staffView.messages[1].text).toBe(`${agentName} joined the chat`);
      expect(staffView.messages[3].author).toMatchObject({
        type: 'staff',
        name: agentName,
        title: 'Course Assistant',
        isSelf: true,
      });

      const publicView = (await client.get(`/api/conversations/${conversationId}/messages`)).body;
      expect(publicView.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3, 4]);
      expect(JSON.stringify(publicView)).not.toContain('upset');
      expect(publicView.conversation.lastSeq).toBe(4);
      expect(publicView.conversation.agents).toEqual([
        expect.objectContaining({ name: agentName, title: 'Course Assistant' }),
      ]);
    });

    it('joins idempotently: two joins, one participant, one join line', async () => {
      const { conversationId } = await visitorWithConversation(t);
      const [a, b] = await Promise.all([
        agent.post(`/api/staff/conversations/${conversationId}/join`),
        agent.post(`/api/staff/conversations/${conversationId}/join`),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      const messages = (await agent.get(`/api/staff/conversations/${conversationId}/messages`)).body.messages;
      expect(messages.filter((m: { kind: string }) => m.kind === 'system')).toHaveLength(1);
      expect((await agent.get(`/api/staff/conversations/${conversationId}`)).body.agents).toHaveLength(1);
    });

    it('leave makes it read-only for the visitor; close keeps the transcript; both write system lines', async () => {
      const { client, conversationId } = await visitorWithConversation(t);
      const left = await client.post(`/api/conversations/${conversationId}/leave`);
      expect(left.body.status).toBe('left');
      const late = await client.post(`/api/conversations/${conversationId}/messages`, {
        clientMsgId: id(),
        text: 'one more thing',
      });
      expect(late.status).toBe(409);
      expect(late.body.error.code).toBe('conversation_closed');
      // The visitor may start a new one now.
      expect(
        (await client.post('/api/conversations', { displayName: 'Vera', text: 'A new question for you.' })).status,
      ).toBe(201);

      const agentB = await staffClient(t, await createStaff(t, 'agent'));
      const notMine = await agentB.post(`/api/staff/conversations/${conversationId}/close`);
      expect(notMine.status).toBe(403);
      const admin = await staffClient(t, await createStaff(t, 'admin', { firstName: 'Ada', lastName: 'Lovelace' }));
      const closed = await admin.post(`/api/staff/conversations/${conversationId}/close`);
      expect(closed.body).toMatchObject({ status: 'closed', closedBy: 'Ada Lovelace' });
      const lines = (await client.get(`/api/conversations/${conversationId}/messages`)).body.messages.map(
        (m: { text: string }) => m.text,
      );
      expect(lines).toEqual([
        'Hello, I need help with my account please.',
        'The visitor left the chat',
        'Ada Lovelace closed the chat',
      ]);
    });

    it('returns a conversation to the queue when its last agent leaves or is deactivated', async () => {
      const { conversationId } = await visitorWithConversation(t);
      const account = await createStaff(t, 'agent');
      const helper = await staffClient(t, account);
      await helper.post(`/api/staff/conversations/${conversationId}/join`);
      expect((await helper.post(`/api/staff/conversations/${conversationId}/leave`)).body.status).toBe('waiting');
      await helper.post(`/api/staff/conversations/${conversationId}/join`);
      const admin = await staffClient(t, await createStaff(t, 'admin'));
      await admin.post(`/api/admin/users/${account.user.id}/deactivate`);
      const view = await admin.get(`/api/staff/conversations/${conversationId}`);
      expect(view.body).toMatchObject({ status: 'waiting', agents: [] });
    });

    it('resumes history after a sequence and refuses sequences from the future', async () => {
      const { client, conversationId } = await visitorWithConversation(t);
      for (let i = 0; i < 4; i++)
        await client.post(`/api/conversations/${conversationId}/messages`, { clientMsgId: id(), text: `m${i}` });
      const page = await client.get(`/api/conversations/${conversationId}/messages?after=2&limit=2`);
      expect(page.body.messages.map((m: { seq: number }) => m.seq)).toEqual([3, 4]);
      expect(page.body.hasMore).toBe(true);
      for (const after of ['99', '-1', 'abc']) {
        const bad = await client.get(`/api/conversations/${conversationId}/messages?after=${after}`);
        expect(bad.status).toBe(400);
      }
    });
  });

  describe('customers', () => {
    it('keep the conversation they had as a visitor when they sign in, and see their history anywhere', async () => {
      const { username } = await registerCustomer(t, t.client());
      const { client, conversationId } = await visitorWithConversation(t);
      expect((await client.post('/api/customers/login', { login: username, password: PASSWORD })).status).toBe(200);
      const mine = await client.get('/api/conversations');
      expect(mine.body.conversations.map((c: { id: string }) => c.id)).toContain(conversationId);
      const elsewhere = t.client();
      await elsewhere.post('/api/customers/login', { login: username, password: PASSWORD });
      expect((await elsewhere.get(`/api/conversations/${conversationId}/messages`)).status).toBe(200);
      expect(
        (
          await elsewhere.post(`/api/conversations/${conversationId}/messages`, {
            clientMsgId: id(),
            text: 'from my phone',
          })
        ).status,
      ).toBe(201);
    });

    it('start conversations under their account name; deleting the account erases them', async () => {
      const { client, id: customerId } = await registerCustomer(t, t.client(), { displayName: 'Casey Customer' });
      const r = await client.post('/api/conversations', { text: 'A question from a customer.' });
      expect(r.body.conversation.displayName).toBe('Casey Customer');
      const conversationId = r.body.conversation.id;
      const admin = await staffClient(t, await createStaff(t, 'admin'));
      expect((await admin.delete(`/api/admin/users/${customerId}`)).status).toBe(200);
      expect((await admin.get(`/api/staff/conversations/${conversationId}`)).status).toBe(404);
      const rows = await t.ctx.db
        .selectFrom('messages')
        .select('id')
        .where('conversationId', '=', conversationId)
        .execute();
      expect(rows).toEqual([]);
      const keys = await t.ctx.db
        .selectFrom('conversationKeys')
        .select('conversationId')
        .where('conversationId', '=', conversationId)
        .execute();
      expect(keys).toEqual([]);
    });
  });
});

describeEachDialect('customer history search', (dialect) => {
  it('finds conversations by message text (decrypted) or topic, only among the customer’s own', async () => {
    const t = await startTestApp(dialect);
    try {
      const { client } = await registerCustomer(t);
      const first = await client.post('/api/conversations', { text: 'My printer on floor three is jammed.' });
      await client.post(`/api/conversations/${first.body.conversation.id}/leave`);
      await client.post('/api/conversations', { text: 'Question about invoices and refunds.' });
      const other = await registerCustomer(t);
      await other.client.post('/api/conversations', { text: 'Another printer problem, not yours.' });
      const found = await client.get('/api/conversations?search=PRINTER');
      expect(found.body.conversations.map((c: { id: string }) => c.id)).toEqual([first.body.conversation.id]);
      expect((await client.get('/api/conversations?search=nothing-like-this')).body.conversations).toEqual([]);
      expect((await client.get('/api/conversations')).body.conversations).toHaveLength(2);
    } finally {
      await t.stop();
    }
  });
});
