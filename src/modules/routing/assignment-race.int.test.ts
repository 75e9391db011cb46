import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { createTestDatabase, DIALECTS } from '../../../test/harness/dialects.js';
import { createStaff, staffClient, visitorClient } from '../../../test/harness/factories.js';
import { redisServerAvailable, startPrivateRedis } from '../../../test/harness/private-services.js';
import { connected, socketClient } from '../../../test/harness/sockets.js';
import { startTestApp } from '../../../test/harness/test-app.js';

const runnable = DIALECTS.includes('postgres') && (await redisServerAvailable());

/**
 * Two instances (their own pools, buses and runners) over one PostgreSQL database and one Redis, assigning the same
 * conversations at the same instant: the database decides (assignment.service.ts), so nobody goes over capacity, no
 * conversation is given twice, and round robin stays even. SQLite is one instance by construction.
 */
describe.skipIf(!runnable)('automatic assignment raced by two instances [postgres + redis]', () => {
  it('never exceeds capacity (even across two teams sharing an agent) and never assigns a conversation twice', async () => {
    const database = await createTestDatabase('postgres');
    const redis = await startPrivateRedis();
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `race${randomBytes(3).toString('hex')}` };
    const a = await startTestApp('postgres', { database, env });
    const b = await startTestApp('postgres', { database, env });
    const sockets: Socket[] = [];
    try {
      const adminAccount = await createStaff(a, 'admin', { firstName: 'Ada' });
      const admin = await staffClient(a, adminAccount);
      const x = await createStaff(a, 'agent', { firstName: 'Xena' });
      const y = await createStaff(a, 'agent', { firstName: 'Yuri' });
      // Xena's desk is open on A, Yuri's on B: each instance must learn of the other's through Redis.
      for (const [app, account] of [
        [a, x],
        [b, y],
      ] as const) {
        const http = await staffClient(app, account);
        const s = socketClient(app.url, '/staff', { cookie: http.cookieHeader() });
        sockets.push(s);
        await connected(s);
        await admin.put(`/api/admin/agents/${account.user.id}`, { capacity: 2 });
      }
      for (const app of [a, b]) {
        await expect
          .poll(async () => {
            const ids = await app.ctx.services.presence.connectedStaff();
            return ids.has(x.user.id) && ids.has(y.user.id);
          })
          .toBe(true);
      }
      // Two pooled teams first (nothing assigned while the conversations arrive), sharing Xena.
      const both = (await admin.post('/api/admin/teams', { name: 'Both', mode: 'pooled' })).body.id as string;
      const solo = (await admin.post('/api/admin/teams', { name: 'Solo', mode: 'pooled' })).body.id as string;
      await admin.put(`/api/admin/teams/${both}/members`, { userIds: [x.user.id, y.user.id] });
      await admin.put(`/api/admin/teams/${solo}/members`, { userIds: [x.user.id] });
      const topicBoth = (await admin.post('/api/admin/topics', { label: 'Both topic', teamId: both })).body.id;
      const topicSolo = (await admin.post('/api/admin/topics', { label: 'Solo topic', teamId: solo })).body.id;
      const ids: string[] = [];
      for (const [i, topicId] of [...Array(5).fill(topicBoth), ...Array(3).fill(topicSolo)].entries()) {
        const { client } = await visitorClient(i % 2 ? a : b);
        const r = await client.post('/api/conversations', {
          displayName: `Racer ${'abcdefgh'[i]}`,
          text: `Race conversation number ${i}.`,
          topicId,
        });
        ids.push(r.body.conversation.id);
      }
      await admin.put(`/api/admin/teams/${both}`, { name: 'Both', mode: 'auto' });
      await admin.put(`/api/admin/teams/${solo}`, { name: 'Solo', mode: 'auto' });

      // Every conversation offered by both instances at once (their sweeps may join in too).
      await Promise.all(
        ids.flatMap((id) => [a.ctx.services.assignment.assign(id), b.ctx.services.assignment.assign(id)]),
      );

      const views = await Promise.all(
        ids.map(async (id) => (await admin.get(`/api/staff/conversations/${id}/messages`)).body),
      );
      const agentsPer = views.map((v) => (v.conversation.agents as { userId: string }[]).map((p) => p.userId));
      const assignedLines = views.map(
        (v) => (v.messages as { text: string }[]).filter((m) => m.text.endsWith('was assigned to the chat')).length,
      );
      for (const [i, agents] of agentsPer.entries()) {
        expect(agents.length).toBeLessThanOrEqual(1);
        expect(assignedLines[i]).toBe(agents.length);
      }
      const loadOf = (id: string) => agentsPer.filter((p) => p.includes(id)).length;
      expect(loadOf(x.user.id)).toBe(2);
      expect(loadOf(y.user.id)).toBe(2);
      expect(views.filter((v) => v.conversation.status === 'waiting')).toHaveLength(4);
      // Yuri is only in "Both": his two come from there.
      for (const [i, agents] of agentsPer.entries()) if (agents.includes(y.user.id)) expect(i).toBeLessThan(5);
    } finally {
      for (const s of sockets) s.close();
      await b.stop();
      await a.stop();
      await redis.stop();
      await database.drop();
    }
  });
});
