import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import {
  createStaff,
  registerCustomer,
  staffClient,
  visitorWithConversation,
} from '../../../test/harness/factories.js';
import type { HttpClient } from '../../../test/harness/http-client.js';
import { connected, nextEvent, socketClient } from '../../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';
import type { LabelView, SearchHit, SearchPage } from '../../shared/desk-tools.js';
import { SCAN_LIMIT } from './search.service.js';

const say = (client: HttpClient, conversationId: string, text: string, note = false) =>
  client.post(`/api/staff/conversations/${conversationId}/messages`, { clientMsgId: randomUUID(), text, note });

describeEachDialect('desk search and labels', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let agent: HttpClient;
  let agentId: string;
  let otherAgent: HttpClient;
  let admin: HttpClient;
  beforeAll(async () => {
    clock = new ManualClock(Date.parse('2026-12-07T12:00:00Z'));
    t = await startTestApp(dialect, { clock, env: { SUPPORT_TIMEZONE: 'America/New_York' } });
    const a = await createStaff(t, 'agent', { firstName: 'Alex', lastName: 'Helper' });
    agentId = a.user.id;
    agent = await staffClient(t, a);
    otherAgent = await staffClient(t, await createStaff(t, 'agent'));
    admin = await staffClient(t, await createStaff(t, 'admin'));
  });
  afterAll(() => t?.stop());

  const search = async (client: HttpClient, query: Record<string, string>) => {
    const r = await client.get(`/api/staff/search?${new URLSearchParams(query).toString()}`);
    expect(r.status, r.text).toBe(200);
    return r.body as SearchPage;
  };
  const ids = (page: SearchPage) => page.hits.map((h) => h.id);

  describe('labels', () => {
    it('lets admins manage the list (audited, unique by name) and agents only read it', async () => {
      const created = await admin.post('/api/admin/labels', { name: 'Refund', color: 'red' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'Refund', color: 'red' });
      const dup = await admin.post('/api/admin/labels', { name: 'refund' });
      expect(dup.status).toBe(409);
      expect(dup.body.error.details.fields[0].code).toBe('label_exists');
      expect((await admin.post('/api/admin/labels', { name: '', color: 'red' })).status).toBe(400);
      expect((await admin.post('/api/admin/labels', { name: 'X', color: 'chartreuse' })).status).toBe(400);
      expect((await admin.post('/api/admin/labels', { name: 'X', color: 'red', extra: 1 })).status).toBe(400);

      expect((await agent.post('/api/admin/labels', { name: 'Agent made' })).status).toBe(403);
      expect((await agent.put(`/api/admin/labels/${created.body.id}`, { name: 'Hijack' })).status).toBe(403);
      expect((await agent.delete(`/api/admin/labels/${created.body.id}`)).status).toBe(403);
      const list = await agent.get('/api/staff/labels');
      expect(list.body.labels.map((l: LabelView) => l.name)).toContain('Refund');

      const renamed = await admin.put(`/api/admin/labels/${created.body.id}`, { name: 'Refunds', color: 'orange' });
      expect(renamed.body).toMatchObject({ name: 'Refunds', color: 'orange' });
      const audit = await admin.get('/api/admin/audit?action=label.updated');
      expect(JSON.stringify(audit.body)).toContain('Changed the label “Refunds”');
    });

    it('lets any agent label any conversation, live on the desks that have it open, and filter by label', async () => {
      const billing = (await admin.post('/api/admin/labels', { name: 'Billing', color: 'blue' })).body as LabelView;
      const c = await visitorWithConversation(t, 'My invoice shows the wrong amount for December.', 'Ivy Invoice');
      const other = await visitorWithConversation(t, 'Another question without a label at all.', 'Olga Other');
      const watcher = socketClient(t.url, '/staff', { cookie: otherAgent.cookieHeader() });
      await connected(watcher);
      await watcher.emitWithAck('conversation:subscribe', { conversationId: c.conversationId });
      const frame = nextEvent<{ conversationId: string; labels: LabelView[] }>(watcher, 'conversation:labels');

      // Not joined: labelling is sorting, not writing.
      const applied = await agent.post(`/api/staff/conversations/${c.conversationId}/labels`, { labelId: billing.id });
      expect(applied.status).toBe(200);
      expect(applied.body.labels.map((l: LabelView) => l.name)).toEqual(['Billing']);
      expect((await frame).labels.map((l) => l.id)).toEqual([billing.id]);
      // Idempotent.
      await agent.post(`/api/staff/conversations/${c.conversationId}/labels`, { labelId: billing.id });
      expect((await agent.get(`/api/staff/conversations/${c.conversationId}/labels`)).body.labels).toHaveLength(1);

      const page = await search(agent, { labelId: billing.id });
      expect(ids(page)).toEqual([c.conversationId]);
      expect(page.hits[0]!.labels.map((l) => l.name)).toEqual(['Billing']);
      expect(ids(page)).not.toContain(other.conversationId);

      // Unknown label, unknown conversation: clear errors, nothing written.
      const bad = await agent.post(`/api/staff/conversations/${c.conversationId}/labels`, { labelId: 'nope' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.fields[0].code).toBe('label_not_found');
      expect((await agent.post('/api/staff/conversations/nope/labels', { labelId: billing.id })).status).toBe(404);

      // Taking it off, and deleting a label takes it off everywhere.
      const off = await otherAgent.delete(`/api/staff/conversations/${c.conversationId}/labels/${billing.id}`);
      expect(off.body.labels).toEqual([]);
      await agent.post(`/api/staff/conversations/${c.conversationId}/labels`, { labelId: billing.id });
      const updated = nextEvent<{ labelId: string; change: string }>(watcher, 'labels:updated');
      expect((await admin.delete(`/api/admin/labels/${billing.id}`)).status).toBe(200);
      expect(await updated).toMatchObject({ labelId: billing.id, change: 'deleted' });
      expect((await agent.get(`/api/staff/conversations/${c.conversationId}/labels`)).body.labels).toEqual([]);
      watcher.close();
    });

    it('keeps visitors, customers and anonymous callers out of labels', async () => {
      const c = await visitorWithConversation(t);
      const { client: customer } = await registerCustomer(t);
      const anonymous = t.client();
      for (const client of [c.client, customer]) {
        expect((await client.get('/api/staff/labels')).status).toBe(403);
        expect(
          (await client.post(`/api/staff/conversations/${c.conversationId}/labels`, { labelId: 'x' })).status,
        ).toBe(403);
        expect((await client.post('/api/admin/labels', { name: 'Mine' })).status).toBe(403);
      }
      expect((await anonymous.get('/api/staff/labels')).status).toBe(401);
      expect((await anonymous.post('/api/admin/labels', { name: 'Mine' })).status).toBe(401);
    });
  });

  describe('search', () => {
    it('finds conversations by decrypted text in messages and notes, with a snippet, permission-checked', async () => {
      const c = await visitorWithConversation(t, 'The projector in room 4 keeps flickering badly.', 'Pia Projector');
      await agent.post(`/api/staff/conversations/${c.conversationId}/join`);
      await say(agent, c.conversationId, 'Facilities ticket opened: ZEBRA-771.', true);
      const byBody = await search(agent, { text: 'FLICKERING' });
      expect(ids(byBody)).toContain(c.conversationId);
      const hit = byBody.hits.find((h) => h.id === c.conversationId)!;
      expect(hit.snippet).toContain('keeps flickering badly');
      expect(hit.matches).toBe(1);
      // Notes are searchable by staff.
      expect(ids(await search(otherAgent, { text: 'zebra-771' }))).toEqual([c.conversationId]);
      // Nothing plaintext is in the database to find with SQL: the text filter is matched after decryption only.
      expect(ids(await search(agent, { text: 'no such words anywhere' }))).toEqual([]);

      // Visitors, customers, anonymous: never.
      const { client: customer } = await registerCustomer(t);
      expect((await c.client.get('/api/staff/search?text=flickering')).status).toBe(403);
      expect((await customer.get('/api/staff/search?text=flickering')).status).toBe(403);
      expect((await t.client().get('/api/staff/search?text=flickering')).status).toBe(401);
    });

    it('filters by contact (name or e-mail, also the customer account), status, agent and local dates', async () => {
      const { client: customer } = await registerCustomer(t, t.client(), {
        email: `quentin-${randomUUID().slice(0, 8)}@quartz.example`,
        displayName: 'Quentin Quartz',
      });
      const started = await customer.post('/api/conversations', {
        text: 'A question from a customer account.',
        clientMsgId: randomUUID(),
      });
      const customerConversation = started.body.conversation.id as string;
      expect(ids(await search(agent, { contact: 'QUARTZ.example' }))).toEqual([customerConversation]);
      expect(ids(await search(agent, { contact: 'quentin q' }))).toEqual([customerConversation]);
      // LIKE wildcards are text here.
      expect(ids(await search(agent, { contact: '%' }))).toEqual([]);

      const mine = await visitorWithConversation(t, 'Status filter conversation, joined by Alex.', 'Stan Status');
      await agent.post(`/api/staff/conversations/${mine.conversationId}/join`);
      const byAgent = await search(admin, { agentId, status: 'active' });
      expect(ids(byAgent)).toContain(mine.conversationId);
      expect(byAgent.hits.every((h) => h.status === 'active' && h.agents.some((a) => a.userId === agentId))).toBe(true);
      expect(ids(await search(admin, { status: 'waiting' }))).toContain(customerConversation);
      expect(ids(await search(admin, { status: 'waiting' }))).not.toContain(mine.conversationId);

      // Dates are local dates in the support timezone (New York): 2026-12-07 12:00Z is the 7th there.
      const today = await search(agent, { from: '2026-12-07', to: '2026-12-07', contact: 'quentin' });
      expect(ids(today)).toEqual([customerConversation]);
      expect(ids(await search(agent, { from: '2026-12-08', contact: 'quentin' }))).toEqual([]);
      expect(ids(await search(agent, { to: '2026-12-06', contact: 'quentin' }))).toEqual([]);

      // Bad input: stable codes, nothing else.
      const backwards = await agent.get('/api/staff/search?from=2026-12-08&to=2026-12-01');
      expect(backwards.status).toBe(400);
      expect(backwards.body.error.details.fields[0].code).toBe('date_range_invalid');
      expect((await agent.get('/api/staff/search?status=deleted')).status).toBe(400);
      expect((await agent.get('/api/staff/search?from=yesterday')).status).toBe(400);
      expect((await agent.get('/api/staff/search?text=a')).status).toBe(400);
      expect((await agent.get('/api/staff/search?sort=password_hash')).status).toBe(400);
      const cursor = await agent.get('/api/staff/search?cursor=bm90LWEtY3Vyc29y');
      expect(cursor.body.error.details.fields[0].code).toBe('cursor_invalid');
    });

    it('pages newest first with a cursor that neither repeats nor skips, with or without text', async () => {
      const made: string[] = [];
      for (let i = 0; i < 5; i++) {
        clock.advance(1000);
        made.push(
          (await visitorWithConversation(t, `Paging marker kumquat number ${i}.`, `Pat Pager ${i}`)).conversationId,
        );
      }
      const newestFirst = [...made].reverse();
      for (const query of [{ contact: 'pat pager' }, { text: 'kumquat' }] as Record<string, string>[]) {
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let guard = 0; guard < 10; guard++) {
          const page = await search(agent, { ...query, pageSize: '2', ...(cursor ? { cursor } : {}) });
          seen.push(...ids(page));
          if (!page.nextCursor) break;
          cursor = page.nextCursor;
        }
        expect(seen).toEqual(newestFirst);
      }
    });

    it('bounds a text search per request and continues from the cursor', async () => {
      // More conversations than one request decrypts, none matching, then the one that does (the oldest).
      const target = await visitorWithConversation(t, 'Bounded scan needle: persimmon.', 'Nell Needle');
      for (let i = 0; i < SCAN_LIMIT + 5; i++) {
        clock.advance(10);
        await visitorWithConversation(t, `Filler conversation number ${i} for the scan.`, 'Fay Filler');
      }
      const first = await search(agent, { text: 'persimmon' });
      expect(first.scanned).toBe(SCAN_LIMIT);
      expect(first.hits).toEqual([]);
      expect(first.nextCursor).not.toBeNull();
      let found: SearchHit[] = [];
      let cursor = first.nextCursor;
      for (let guard = 0; cursor && guard < 10 && found.length === 0; guard++) {
        const page = await search(agent, { text: 'persimmon', cursor });
        found = page.hits;
        cursor = page.nextCursor;
      }
      expect(found.map((h) => h.id)).toContain(target.conversationId);
    });

    it('leaves out conversations past the retention period', async () => {
      const c = await visitorWithConversation(t, 'Retention check: an old closed conversation.', 'Rita Retained');
      await admin.post(`/api/staff/conversations/${c.conversationId}/close`);
      expect(ids(await search(agent, { contact: 'rita retained' }))).toEqual([c.conversationId]);
      await t.ctx.services.settings.set('retention.days', 1, null);
      // Closed two days ago (the daily purge has not run yet).
      await t.ctx.db
        .updateTable('conversations')
        .set({ closedAt: clock.now() - 2 * 86_400_000 })
        .where('id', '=', c.conversationId)
        .execute();
      expect(ids(await search(agent, { contact: 'rita retained' }))).toEqual([]);
      await t.ctx.services.settings.set('retention.days', null, null);
      expect(ids(await search(agent, { contact: 'rita retained' }))).toEqual([c.conversationId]);
    });
  });
});
