/**
 * The group-commit writer against each real database (the SQLite writer thread; PostgreSQL's one-round-trip
 * function and its statement-by-statement path): order, idempotence, and one bad message in a batch.
 * Crashes between commit and acknowledgement are covered by the kill -9 suite (durability.int.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect, DIALECTS, createTestDatabase } from '../../../test/harness/dialects.js';
import { createStaff, staffClient, visitorWithConversation } from '../../../test/harness/factories.js';
import type { HttpClient } from '../../../test/harness/http-client.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';
import { AppError } from '../../shared/errors.js';
import type { AppendItem, NewMessage } from './append/append-plan.js';
import type { AppendBatchResult } from './append/batch-appender.js';
import { appendInOneRoundTrip, appendStatementByStatement } from './append/pg-appender.js';
import type { AppendResult } from './message-writer.js';

type Author = { type: 'visitor' | 'customer' | 'staff'; id: string; name?: string };

function message(conversationId: string, author: Author, options: { clientMsgId?: string; note?: boolean } = {}) {
  return {
    id: randomUUID(),
    conversationId,
    kind: options.note ? 'note' : 'text',
    authorType: author.type,
    authorId: author.id,
    authorName: author.name ?? '',
    authorTitle: author.type === 'staff' ? 'Support' : null,
    clientMsgId: options.clientMsgId ?? randomUUID(),
    // The writer stores bytes as given (encryption happens before it); these are never decrypted here.
    body: Buffer.from(`sealed ${randomUUID()}`),
    createdAt: Date.now(),
  } satisfies NewMessage;
}

describeEachDialect('group-commit writer', (dialect) => {
  let t: TestApp;
  let agentHttp: HttpClient;
  let agent: Author;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    const account = await createStaff(t, 'agent');
    agentHttp = await staffClient(t, account);
    agent = { type: 'staff', id: account.user.id, name: 'Sam Agent' };
  });
  afterAll(() => t?.stop());

  const append = (m: NewMessage) => t.ctx.services.writer.append({ message: m });
  const stored = (conversationId: string) =>
    t.ctx.db
      .selectFrom('messages')
      .select(['id', 'seq', 'publicSeq', 'kind', 'clientMsgId', 'authorName'])
      .where('conversationId', '=', conversationId)
      .orderBy('seq')
      .execute();
  const conversationRow = (id: string) =>
    t.ctx.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('numbers in the order sends were queued, 1, 2, 3…, and the public numbering skips notes without a gap', async () => {
    const c = await visitorWithConversation(t, 'The first question of this conversation.', 'Olga Order');
    await agentHttp.post(`/api/staff/conversations/${c.conversationId}/join`);
    const visitor: Author = { type: 'visitor', id: c.visitorId };
    const queued = Array.from({ length: 40 }, (_, i) =>
      message(c.conversationId, i % 2 === 0 ? visitor : agent, { note: i % 4 === 1 }),
    );
    // Queued in one tick, without waiting: they share batches, and the order of queueing is the order of numbers.
    const results = await Promise.all(queued.map(append));
    expect(results.every((r) => !r.duplicate)).toBe(true);

    const rows = await stored(c.conversationId);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
    const ours = rows.filter((r) => queued.some((q) => q.id === r.id));
    expect(ours.map((r) => r.id)).toEqual(queued.map((q) => q.id));
    const publicSeqs = rows.filter((r) => r.kind !== 'note').map((r) => r.publicSeq);
    expect(publicSeqs).toEqual(publicSeqs.map((_, i) => i + 1));
    expect(rows.filter((r) => r.kind === 'note').every((r) => r.publicSeq === null)).toBe(true);
    // The visitor writes under the conversation's name, whatever the message said; staff under their own.
    expect(new Set(ours.filter((_, i) => i % 2 === 0).map((r) => r.authorName))).toEqual(new Set(['Olga Order']));
    expect(new Set(ours.filter((_, i) => i % 2 === 1).map((r) => r.authorName))).toEqual(new Set(['Sam Agent']));

    const row = await conversationRow(c.conversationId);
    expect(row.lastSeq).toBe(rows.length);
    expect(row.lastPublicSeq).toBe(publicSeqs.length);
    // The owner has read what they wrote themselves.
    expect(row.ownerReadSeq).toBe(ours.filter((r) => r.kind !== 'note').at(-2)!.publicSeq);
    expect(row.firstResponseAt).not.toBeNull();
  });

  it('stores a client id once: twice in one batch, and again after a lost acknowledgement', async () => {
    const c = await visitorWithConversation(t);
    const visitor: Author = { type: 'visitor', id: c.visitorId };
    const clientMsgId = randomUUID();
    const first = message(c.conversationId, visitor, { clientMsgId });
    const again = { ...message(c.conversationId, visitor, { clientMsgId }) };
    const [a, b] = await Promise.all([append(first), append(again)]);
    expect(a.duplicate).toBe(false);
    expect(b.duplicate).toBe(true);
    expect(b.message.id).toBe(a.message.id);
    expect(b.message.seq).toBe(a.message.seq);
    // The acknowledgement was lost: the client resends, later, in another batch.
    const late = await append(message(c.conversationId, visitor, { clientMsgId }));
    expect(late).toMatchObject({ duplicate: true, message: { id: a.message.id, seq: a.message.seq } });
    expect(late.message.body.equals(first.body)).toBe(true);
    const rows = await stored(c.conversationId);
    expect(rows.filter((r) => r.clientMsgId === clientMsgId)).toHaveLength(1);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
  });

  it('refuses each bad message of a batch with its own reason and stores the others without a gap', async () => {
    const open = await visitorWithConversation(t);
    const closed = await visitorWithConversation(t);
    const foreign = await visitorWithConversation(t);
    await agentHttp.post(`/api/staff/conversations/${open.conversationId}/join`);
    await agentHttp.post(`/api/staff/conversations/${closed.conversationId}/join`);
    await agentHttp.post(`/api/staff/conversations/${closed.conversationId}/close`);
    const visitor: Author = { type: 'visitor', id: open.visitorId };
    const batch: [NewMessage, string | null][] = [
      [message(open.conversationId, visitor), null],
      [message(closed.conversationId, { type: 'visitor', id: closed.visitorId }), 'conversation_closed'],
      [message(foreign.conversationId, visitor), 'not_found'],
      [message(randomUUID(), visitor), 'not_found'],
      [message(foreign.conversationId, agent), 'not_a_participant'],
      [message(open.conversationId, agent), null],
      [message(open.conversationId, { type: 'customer', id: randomUUID() }), 'not_found'],
      [message(open.conversationId, visitor), null],
    ];
    const before = (await stored(open.conversationId)).length;
    const results = await Promise.allSettled(batch.map(([m]) => append(m)));
    results.forEach((r, i) => {
      const want = batch[i]![1];
      if (want === null) expect(r.status, `message ${i}`).toBe('fulfilled');
      else {
        expect(r.status, `message ${i}`).toBe('rejected');
        const err = (r as PromiseRejectedResult).reason as AppError;
        expect(err).toBeInstanceOf(AppError);
        expect(err.code).toBe(want);
      }
    });
    const rows = await stored(open.conversationId);
    expect(rows.length).toBe(before + 3);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
    expect(await stored(foreign.conversationId)).toHaveLength(1);
    expect((await stored(closed.conversationId)).every((r) => r.kind !== 'text' || r.seq === 1)).toBe(true);
  });

  it('acknowledges only committed messages: every fulfilled append is in the database when it resolves', async () => {
    const conversations = await Promise.all(Array.from({ length: 8 }, () => visitorWithConversation(t)));
    const checks = conversations.flatMap((c) =>
      Array.from({ length: 10 }, () =>
        append(message(c.conversationId, { type: 'visitor', id: c.visitorId })).then(async (r: AppendResult) => {
          const row = await t.ctx.db
            .selectFrom('messages')
            .select('seq')
            .where('id', '=', r.message.id)
            .executeTakeFirst();
          return row?.seq === r.message.seq;
        }),
      ),
    );
    expect((await Promise.all(checks)).every(Boolean)).toBe(true);
  });
});

describe.skipIf(!DIALECTS.includes('postgres'))('PostgreSQL: the one-round-trip function keeps the same rules', () => {
  let t: TestApp;
  let agentHttp: HttpClient;
  let agent: Author;
  beforeAll(async () => {
    t = await startTestApp('postgres', { database: await createTestDatabase('postgres') });
    const account = await createStaff(t, 'agent');
    agentHttp = await staffClient(t, account);
    agent = { type: 'staff', id: account.user.id, name: 'Sam Agent' };
  });
  afterAll(() => t?.stop());

  /** The same situation twice over: an open conversation the agent joined, a closed one, a foreign one. */
  async function situation() {
    const open = await visitorWithConversation(t);
    const closed = await visitorWithConversation(t);
    const foreign = await visitorWithConversation(t);
    await agentHttp.post(`/api/staff/conversations/${open.conversationId}/join`);
    await agentHttp.post(`/api/staff/conversations/${closed.conversationId}/join`);
    await agentHttp.post(`/api/staff/conversations/${closed.conversationId}/close`);
    const visitor: Author = { type: 'visitor', id: open.visitorId };
    const repeated = randomUUID();
    const earlier = message(open.conversationId, visitor, { clientMsgId: randomUUID() });
    await t.ctx.services.writer.append({ message: earlier });
    const items: AppendItem[] = [
      message(open.conversationId, visitor),
      message(open.conversationId, agent, { note: true }),
      message(open.conversationId, visitor, { clientMsgId: repeated }),
      message(open.conversationId, visitor, { clientMsgId: repeated }),
      message(open.conversationId, visitor, { clientMsgId: earlier.clientMsgId }),
      message(closed.conversationId, { type: 'visitor', id: closed.visitorId }),
      message(foreign.conversationId, visitor),
      message(foreign.conversationId, agent),
      message(randomUUID(), agent),
      message(open.conversationId, agent),
    ].map((m) => ({ message: m, attachmentIds: [] }));
    const base = await t.ctx.db
      .selectFrom('conversations')
      .select(['lastSeq', 'lastPublicSeq'])
      .where('id', '=', open.conversationId)
      .executeTakeFirstOrThrow();
    return { conversationId: open.conversationId, items, base };
  }

  const shape = (r: AppendBatchResult) =>
    r.outcomes.map((o) =>
      'error' in o
        ? o.error.code
        : { duplicate: o.duplicate, seq: o.message.seq, publicSeq: o.message.publicSeq, kind: o.message.kind },
    );

  it('gives every message the same verdict, numbers and counters as the statement-by-statement path', async () => {
    const a = await situation();
    const b = await situation();
    const viaFunction = await appendInOneRoundTrip(t.ctx.db, a.items);
    const viaStatements = await appendStatementByStatement(t.ctx.db, b.items);
    expect(shape(viaFunction)).toEqual(shape(viaStatements));
    // `earlier` is the last message before the batch: seq n, public p.
    const { lastSeq: n, lastPublicSeq: p } = a.base;
    expect(shape(viaFunction)).toEqual([
      { duplicate: false, seq: n + 1, publicSeq: p + 1, kind: 'text' },
      { duplicate: false, seq: n + 2, publicSeq: null, kind: 'note' },
      { duplicate: false, seq: n + 3, publicSeq: p + 2, kind: 'text' },
      { duplicate: true, seq: n + 3, publicSeq: p + 2, kind: 'text' },
      { duplicate: true, seq: n, publicSeq: p, kind: 'text' },
      'conversation_closed',
      'not_found',
      'not_a_participant',
      'not_found',
      { duplicate: false, seq: n + 4, publicSeq: p + 3, kind: 'text' },
    ]);
    const counters = async (id: string) => {
      const c = await t.ctx.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return [c.lastSeq, c.lastPublicSeq, c.ownerReadSeq, c.firstResponseAt !== null];
    };
    expect(await counters(a.conversationId)).toEqual(await counters(b.conversationId));
    expect(await counters(a.conversationId)).toEqual([n + 4, p + 3, p + 2, true]);
  });
});
