import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { ManualClock } from '../../core/clock.js';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import {
  createStaff,
  registerCustomer,
  staffClient,
  visitorClient,
  type StaffAccount,
} from '../../../test/harness/factories.js';
import type { HttpClient } from '../../../test/harness/http-client.js';
import { connected, socketClient } from '../../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';
import { ASSIGN_TASK } from './assignment.service.js';

interface Person {
  account: StaffAccount;
  http: HttpClient;
  id: string;
}

describeEachDialect('routing: teams, availability, capacity, assignment, transfer', (dialect) => {
  let t: TestApp;
  // Ahead of real time: outbox rows are stamped with real time and must be due on this clock.
  const clock = new ManualClock(Date.now() + 3_600_000);
  let admin: Person;
  const sockets: Socket[] = [];

  async function person(role: 'agent' | 'admin', firstName: string): Promise<Person> {
    const account = await createStaff(t, role, { firstName });
    return { account, http: await staffClient(t, account), id: account.user.id };
  }
  /** Opens the desk (a staff socket): only agents with a desk open get chats. `queues` holds every queue push. */
  async function openDesk(p: Person, queues: string[][] = []): Promise<Socket> {
    const s = socketClient(t.url, '/staff', { cookie: p.http.cookieHeader() });
    s.on('queue:updated', (q: { queue: { id: string }[] }) => queues.push(q.queue.map((x) => x.id)));
    sockets.push(s);
    await connected(s);
    await expect.poll(async () => (await t.ctx.services.presence.connectedStaff()).has(p.id)).toBe(true);
    return s;
  }
  async function team(name: string, mode: 'pooled' | 'auto', members: Person[]) {
    const created = await admin.http.post('/api/admin/teams', { name, mode });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    expect((await admin.http.put(`/api/admin/teams/${id}/members`, { userIds: members.map((m) => m.id) })).status).toBe(
      200,
    );
    const topic = await admin.http.post('/api/admin/topics', { label: `${name} questions`, teamId: id });
    expect(topic.status).toBe(201);
    return { id, topicId: topic.body.id as string };
  }
  async function start(topicId: string | undefined, name = 'Vera Visitor') {
    const { client } = await visitorClient(t);
    const r = await client.post('/api/conversations', {
      displayName: name,
      text: `Question about ${topicId ?? 'nothing'} from ${name}.`,
      ...(topicId ? { topicId } : {}),
      pageUrl: 'https://shop.example/checkout?step=2',
    });
    expect(r.status).toBe(201);
    return { client, id: r.body.conversation.id as string };
  }
  const view = async (id: string) => (await admin.http.get(`/api/staff/conversations/${id}/messages`)).body;

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock });
    admin = await person('admin', 'Ada');
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(() => t?.stop());

  it('admins manage teams (paged, unique names, audited); agents, customers, visitors and strangers cannot', async () => {
    const agent = await person('agent', 'Alex');
    const { client: customer } = await registerCustomer(t);
    const { client: visitor } = await visitorClient(t);
    const anonymous = t.client();
    const body = { name: `Matrix ${randomUUID().slice(0, 6)}`, mode: 'pooled' };
    expect((await agent.http.post('/api/admin/teams', body)).status).toBe(403);
    expect((await customer.post('/api/admin/teams', body)).status).toBe(403);
    expect((await visitor.post('/api/admin/teams', body)).status).toBe(403);
    expect((await anonymous.post('/api/admin/teams', body)).status).toBe(401);
    expect((await agent.http.put(`/api/admin/agents/${agent.id}`, { capacity: 9 })).status).toBe(403);
    const created = await admin.http.post('/api/admin/teams', body);
    expect(created.status).toBe(201);
    const again = await admin.http.post('/api/admin/teams', { ...body, name: body.name.toUpperCase() });
    expect(again.status).toBe(409);
    expect(again.body.error.details.fields[0].path).toBe('name');
    const bad = await admin.http.post('/api/admin/teams', { name: 'x', mode: 'random' });
    expect(bad.status).toBe(400);
    const badMember = await admin.http.put(`/api/admin/teams/${created.body.id}/members`, { userIds: ['nobody'] });
    expect(badMember.body.error.code).toBe('validation_failed');
    const members = await admin.http.put(`/api/admin/teams/${created.body.id}/members`, { userIds: [agent.id] });
    expect(members.body.members).toEqual([
      { userId: agent.id, name: agent.account.user.displayName, availability: 'online' },
    ]);
    expect((await agent.http.put(`/api/admin/teams/${created.body.id}/members`, { userIds: [] })).status).toBe(403);
    // Every staff member reads teams and agents (the transfer picker), a page at a time; outsiders do not.
    const page = await agent.http.get('/api/staff/teams?pageSize=1');
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.total).toBeGreaterThanOrEqual(1);
    expect((await agent.http.get('/api/staff/agents?pageSize=2')).body.items.length).toBeLessThanOrEqual(2);
    expect((await customer.get('/api/staff/teams')).status).toBe(403);
    expect((await anonymous.get('/api/staff/agents')).status).toBe(401);
    const capacity = await admin.http.put(`/api/admin/agents/${agent.id}`, { capacity: 2 });
    expect(capacity.body).toMatchObject({ userId: agent.id, capacity: 2, availability: 'online' });
    const audit = (await admin.http.get('/api/admin/audit?pageSize=100')).body.entries.map(
      (e: { action: string }) => e.action,
    );
    expect(audit).toEqual(expect.arrayContaining(['team.created', 'team.members_changed', 'agent.routing_changed']));
  });

  it('topics route to teams: members see their queue first, another team’s agent neither sees nor picks it, admins see all', async () => {
    const member = await person('agent', 'Mia');
    const other = await person('agent', 'Otto');
    const loner = await person('agent', 'Lou'); // in no team: sees every queue, as before teams existed
    const billing = await team(`Billing ${randomUUID().slice(0, 4)}`, 'pooled', [member]);
    await team(`Tech ${randomUUID().slice(0, 4)}`, 'pooled', [other]);
    const general = await start(undefined, 'Gina General');
    const routed = await start(billing.topicId, 'Rita Routed');
    const queueOf = async (p: Person) =>
      (await p.http.get('/api/staff/queue')).body.queue.map((q: { id: string }) => q.id) as string[];

    const memberQueue = await queueOf(member);
    expect(memberQueue.indexOf(routed.id)).toBeGreaterThanOrEqual(0);
    // Their team's conversations before the general queue, even though the general one waited longer.
    expect(memberQueue.indexOf(routed.id)).toBeLessThan(memberQueue.indexOf(general.id));
    expect(await queueOf(other)).not.toContain(routed.id);
    expect(await queueOf(other)).toContain(general.id);
    expect(await queueOf(loner)).toContain(routed.id);
    expect(await queueOf(admin)).toContain(routed.id);
    const item = (await member.http.get('/api/staff/queue')).body.queue.find((q: { id: string }) => q.id === routed.id);
    expect(item.team.id).toBe(billing.id);

    // The desk's live queue is filtered the same way.
    const otherQueues: string[][] = [];
    await openDesk(other, otherQueues);
    await expect.poll(() => otherQueues.length).toBeGreaterThan(0);
    expect(otherQueues.at(-1)).toContain(general.id);
    expect(otherQueues.at(-1)).not.toContain(routed.id);

    // Anyone on staff reads it; only the team (or an admin) picks it from the queue.
    expect((await other.http.get(`/api/staff/conversations/${routed.id}/messages`)).status).toBe(200);
    const refused = await other.http.post(`/api/staff/conversations/${routed.id}/join`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('not_in_team');
    expect((await member.http.post(`/api/staff/conversations/${routed.id}/join`)).status).toBe(200);
    // Once active, helping out is open to every agent again.
    expect((await other.http.post(`/api/staff/conversations/${routed.id}/join`)).status).toBe(200);
  });

  it('away agents get no chats and do not count as agents online', async () => {
    const agent = await person('agent', 'Avery');
    await openDesk(agent);
    const agentsOnline = async () => (await t.client().get('/api/status')).body.agentsOnline as number;
    // Every desk open on this instance counts (no one else is away yet).
    const online = (await t.ctx.services.presence.connectedStaff()).size;
    await expect.poll(agentsOnline).toBe(online);
    const away = await agent.http.put('/api/staff/me/availability', { availability: 'away' });
    expect(away.body.availability).toBe('away');
    await expect.poll(agentsOnline).toBe(online - 1);
    expect((await agent.http.get('/api/staff/me/routing')).body.availability).toBe('away');
    expect((await agent.http.put('/api/staff/me/availability', { availability: 'busy' })).status).toBe(400);
    await agent.http.put('/api/staff/me/availability', { availability: 'online' });
    await expect.poll(agentsOnline).toBe(online);
  });

  it('auto-assignment: round robin over available agents with a desk open, never beyond capacity', async () => {
    const ann = await person('agent', 'Ann');
    const ben = await person('agent', 'Ben');
    const cy = await person('agent', 'Cy'); // in the team, but away
    const dee = await person('agent', 'Dee'); // in the team, online, but no desk open
    for (const p of [ann, ben]) await admin.http.put(`/api/admin/agents/${p.id}`, { capacity: 1 });
    const annDesk = await openDesk(ann);
    await openDesk(ben);
    await openDesk(cy);
    await cy.http.put('/api/staff/me/availability', { availability: 'away' });
    const sales = await team(`Sales ${randomUUID().slice(0, 4)}`, 'auto', [ann, ben, cy, dee]);
    const annFrames: { change: string; conversation: { id: string } }[] = [];
    annDesk.on('conversation:updated', (f: { change: string; conversation: { id: string } }) => annFrames.push(f));

    const first = await start(sales.topicId, 'First One');
    const second = await start(sales.topicId, 'Second Two');
    const third = await start(sales.topicId, 'Third Three');
    const agentsOf = async (id: string) =>
      ((await view(id)).conversation.agents as { userId: string }[]).map((a) => a.userId);
    await expect.poll(() => agentsOf(first.id)).toHaveLength(1);
    await expect.poll(() => agentsOf(second.id)).toHaveLength(1);
    const given = [...(await agentsOf(first.id)), ...(await agentsOf(second.id))];
    // One each (round robin, capacity 1): never Cy (away) nor Dee (no desk).
    expect(given.sort()).toEqual([ann.id, ben.id].sort());
    const firstView = await view(first.id);
    expect(firstView.conversation.status).toBe('active');
    expect(firstView.messages.map((m: { text: string }) => m.text)).toContain(
      `${firstView.conversation.agents[0].name} was assigned to the chat`,
    );
    // The third waits in the team's queue: nobody has room.
    await t.ctx.jobs.runNow(ASSIGN_TASK);
    expect((await view(third.id)).conversation.status).toBe('waiting');
    // The assigned agent's desk learns at once (it follows the conversation from now on).
    const annGot = given[0] === ann.id ? first.id : second.id;
    await expect.poll(() => annFrames.some((f) => f.change === 'assigned' && f.conversation.id === annGot)).toBe(true);

    // Capacity frees up when Ann's chat closes: the third goes to her.
    await ann.http.post(`/api/staff/conversations/${annGot}/close`);
    await expect.poll(() => agentsOf(third.id), { timeout: 10_000 }).toEqual([ann.id]);
    const load = (await admin.http.get(`/api/staff/agents?search=${encodeURIComponent(ann.account.username)}`)).body
      .items[0];
    expect(load).toMatchObject({ load: 1, capacity: 1, connected: true });
  });

  it('an assignment not answered in time passes to the next agent and sets the silent one away; an answer keeps it', async () => {
    const eve = await person('agent', 'Eve');
    const fay = await person('agent', 'Fay');
    await openDesk(eve);
    await openDesk(fay);
    const desk = await team(`Desk ${randomUUID().slice(0, 4)}`, 'auto', [eve, fay]);
    await admin.http.patch('/api/admin/settings', { 'routing.reassignAfterSeconds': 60 });
    try {
      const answered = await start(desk.topicId, 'Ann Swered');
      await expect.poll(async () => (await view(answered.id)).conversation.status).toBe('active');
      const keeper = (await view(answered.id)).conversation.agents[0].userId as string;
      const keeperHttp = keeper === eve.id ? eve.http : fay.http;
      await keeperHttp.post(`/api/staff/conversations/${answered.id}/messages`, {
        clientMsgId: randomUUID(),
        text: 'Hello! Looking into it.',
      });

      const silent = await start(desk.topicId, 'Sil Ence');
      await expect.poll(async () => (await view(silent.id)).conversation.status).toBe('active');
      const first = (await view(silent.id)).conversation.agents[0] as { userId: string; name: string };
      clock.advance(61_000);
      await t.ctx.jobs.runNow(ASSIGN_TASK);
      const after = await view(silent.id);
      expect(after.conversation.agents.map((a: { userId: string }) => a.userId)).toEqual([
        first.userId === eve.id ? fay.id : eve.id,
      ]);
      expect(after.messages.map((m: { text: string }) => m.text)).toContain(
        `${first.name} did not answer within 1 min; the chat goes to the next available agent`,
      );
      const firstHttp = first.userId === eve.id ? eve.http : fay.http;
      expect((await firstHttp.get('/api/staff/me/routing')).body.availability).toBe('away');
      // The one who answered keeps their chat.
      expect((await view(answered.id)).conversation.agents.map((a: { userId: string }) => a.userId)).toEqual([keeper]);
    } finally {
      await admin.http.patch('/api/admin/settings', { 'routing.reassignAfterSeconds': null });
    }
  });

  it('transfers to a named agent or a team, with a system line, for its agents and admins only', async () => {
    const gus = await person('agent', 'Gus');
    const hal = await person('agent', 'Hal');
    const ivy = await person('agent', 'Ivy');
    const support = await team(`Support ${randomUUID().slice(0, 4)}`, 'pooled', [ivy]);
    const c = await start(undefined, 'Tess Transfer');
    await gus.http.post(`/api/staff/conversations/${c.id}/join`);
    const url = `/api/staff/conversations/${c.id}/transfer`;
    // Not in it: refused; the visitor and strangers: refused; nonsense: refused with a field.
    expect((await hal.http.post(url, { to: { type: 'agent', id: ivy.id } })).body.error.code).toBe('not_a_participant');
    expect((await c.client.post(url, { to: { type: 'agent', id: ivy.id } })).status).toBe(403);
    expect((await t.client().post(url, { to: { type: 'agent', id: ivy.id } })).status).toBe(401);
    const nobody = await gus.http.post(url, { to: { type: 'agent', id: 'nobody' } });
    expect(nobody.body.error.details.fields[0].path).toBe('to.id');
    expect((await gus.http.post(url, { to: { type: 'robot', id: ivy.id } })).status).toBe(400);

    const toHal = await gus.http.post(url, { to: { type: 'agent', id: hal.id } });
    expect(toHal.status).toBe(200);
    expect(toHal.body.agents.map((a: { userId: string }) => a.userId)).toEqual([hal.id]);
    expect(toHal.body.status).toBe('active');
    const line = `${gus.account.user.displayName} transferred the chat to ${hal.account.user.displayName}`;
    expect(
      (await c.client.get(`/api/conversations/${c.id}/messages`)).body.messages.map((m: { text: string }) => m.text),
    ).toContain(line);
    // Gus left: he cannot write any more.
    const gusSend = await gus.http.post(`/api/staff/conversations/${c.id}/messages`, {
      clientMsgId: randomUUID(),
      text: 'hi',
    });
    expect(gusSend.body.error.code).toBe('not_a_participant');

    // An admin (not in it) hands it to a team: back in that team's queue.
    const toTeam = await admin.http.post(url, { to: { type: 'team', id: support.id } });
    expect(toTeam.body).toMatchObject({ status: 'waiting', agents: [] });
    const ivyQueue = (await ivy.http.get('/api/staff/queue')).body.queue;
    expect(ivyQueue.find((q: { id: string }) => q.id === c.id)?.team.id).toBe(support.id);
    const panel = (await ivy.http.get(`/api/staff/conversations/${c.id}/contact`)).body;
    expect(panel.team).toEqual({ id: support.id, name: expect.any(String) });

    await admin.http.post(`/api/staff/conversations/${c.id}/close`);
    expect((await admin.http.post(url, { to: { type: 'agent', id: hal.id } })).body.error.code).toBe(
      'conversation_closed',
    );
  });
});

describe('queue visibility (pure)', () => {
  it('is covered by visibleQueue in team.service.ts', async () => {
    const { visibleQueue } = await import('./team.service.js');
    const q = (id: string, team: string | null) => ({
      id,
      displayName: id,
      topic: null,
      waitingSince: '2026-01-01T00:00:00.000Z',
      firstWords: '',
      isCustomer: false,
      team: team ? { id: team, name: team } : null,
    });
    const snapshot = { queue: [q('g1', null), q('a1', 'A'), q('b1', 'B')], counters: { waiting: 3, active: 0 } };
    expect(visibleQueue(snapshot, { all: true, teamIds: new Set() })).toBe(snapshot);
    const mine = visibleQueue(snapshot, { all: false, teamIds: new Set(['A']) });
    expect(mine.queue.map((x) => x.id)).toEqual(['a1', 'g1']);
    expect(mine.counters.waiting).toBe(2);
  });
});
