import { z } from 'zod';
import { cannedReplyInputSchema } from '../../shared/canned.js';
import { messageLogQuerySchema } from '../../modules/message-logs/message-log.service.js';
import { topicInputSchema } from '../../modules/topics/topic.service.js';
import { requestMeta } from '../auth/authenticate.js';
import { requireAdmin, requireStaff } from '../auth/guards.js';
import { visibleQueue } from '../../modules/routing/team.service.js';
import type { RouteModule } from './route-module.js';
import { requireStaffOrToken } from '../auth/route-auth.js';

const idParams = z.object({ id: z.string().min(1).max(64) });
const ok = z.object({ ok: z.literal(true) });

/** The agent desk (queue, counters, lists, canned replies) and the admin tools behind it. */
export const deskRoutes: RouteModule = {
  name: 'desk',
  sides: ['staff'],
  register(app, ctx) {
    const tags = ['staff: desk'];
    const { desk, canned, topics, messageLogs } = ctx.services;
    const adminActor = async (
      request: Parameters<typeof requestMeta>[0],
      reply: Parameters<typeof requireAdmin>[2],
    ) => {
      const admin = await requireAdmin(ctx, request, reply);
      return { admin, actor: { id: admin.userId, name: admin.username, ip: requestMeta(request).ip } };
    };

    app.get(
      '/api/staff/queue',
      {
        config: { auth: { scope: 'conversations:read' } },
        schema: {
          tags,
          summary:
            'Waiting conversations I may pick (my teams first, then the general queue; admins and API tokens: all), longest waiting first',
          description: 'For an API token, `counters.mine` is 0 (a token joins nothing).',
        },
      },
      async (request, reply) => {
        const reader = await requireStaffOrToken(ctx, request, reply);
        if (reader.kind === 'token') {
          const snapshot = await desk.queueSnapshot();
          return { queue: snapshot.queue, counters: { ...snapshot.counters, mine: 0 } };
        }
        const [snapshot, counters, visibility] = await Promise.all([
          desk.queueSnapshot(),
          desk.counters(reader),
          ctx.services.teams.visibilityOf(reader),
        ]);
        const mine = visibleQueue(snapshot, visibility);
        return { queue: mine.queue, counters: { ...counters, waiting: mine.counters.waiting } };
      },
    );

    app.get(
      '/api/staff/conversations',
      {
        config: { auth: { scope: 'conversations:read' } },
        schema: {
          tags,
          summary: 'My open conversations (with unread counts), all active ones, or recently closed ones',
          description: 'For an API token, `mine` is always empty (a token joins nothing).',
          querystring: z.strictObject({ scope: z.enum(['mine', 'active', 'closed']).default('mine') }),
        },
      },
      async (request, reply) => {
        const reader = await requireStaffOrToken(ctx, request, reply);
        if (reader.kind === 'token' && request.query.scope === 'mine') return { conversations: [] };
        return {
          conversations: await desk.list({ userId: reader.kind === 'staff' ? reader.userId : '' }, request.query.scope),
        };
      },
    );

    // Canned replies: every agent reads them, admins manage them.
    app.get(
      '/api/staff/canned-replies',
      { schema: { tags, summary: 'Canned replies (insert by menu or /shortcut)' } },
      async (request, reply) => {
        await requireStaff(ctx, request, reply);
        return { cannedReplies: await canned.list() };
      },
    );
    app.post(
      '/api/admin/canned-replies',
      { schema: { tags: ['admin: canned replies'], summary: 'Create a canned reply', body: cannedReplyInputSchema } },
      async (request, reply) =>
        reply.status(201).send(await canned.create((await adminActor(request, reply)).actor, request.body)),
    );
    app.put(
      '/api/admin/canned-replies/:id',
      {
        schema: {
          tags: ['admin: canned replies'],
          summary: 'Edit a canned reply',
          params: idParams,
          body: cannedReplyInputSchema,
        },
      },
      async (request, reply) =>
        canned.update((await adminActor(request, reply)).actor, request.params.id, request.body),
    );
    app.delete(
      '/api/admin/canned-replies/:id',
      {
        schema: {
          tags: ['admin: canned replies'],
          summary: 'Delete a canned reply',
          params: idParams,
          response: { 200: ok },
        },
      },
      async (request, reply) => {
        await canned.remove((await adminActor(request, reply)).actor, request.params.id);
        return { ok: true as const };
      },
    );

    // Topics offered on the start form.
    app.get(
      '/api/admin/topics',
      { schema: { tags: ['admin: topics'], summary: 'All topics, active or not' } },
      async (request, reply) => {
        await requireAdmin(ctx, request, reply);
        return { topics: await topics.list() };
      },
    );
    app.post(
      '/api/admin/topics',
      { schema: { tags: ['admin: topics'], summary: 'Add a topic', body: topicInputSchema } },
      async (request, reply) =>
        reply.status(201).send(await topics.create((await adminActor(request, reply)).actor, request.body)),
    );
    app.put(
      '/api/admin/topics/:id',
      { schema: { tags: ['admin: topics'], summary: 'Edit a topic', params: idParams, body: topicInputSchema } },
      async (request, reply) =>
        topics.update((await adminActor(request, reply)).actor, request.params.id, request.body),
    );
    app.delete(
      '/api/admin/topics/:id',
      {
        schema: {
          tags: ['admin: topics'],
          summary: 'Delete a topic (conversations keep their label)',
          params: idParams,
          response: { 200: ok },
        },
      },
      async (request, reply) => {
        await topics.remove((await adminActor(request, reply)).actor, request.params.id);
        return { ok: true as const };
      },
    );

    app.get(
      '/api/admin/overview',
      {
        schema: {
          tags: ['admin: overview'],
          summary: 'Activity: queue, agents online, today and the last 7 days (support timezone)',
        },
      },
      async (request, reply) => {
        await requireAdmin(ctx, request, reply);
        return ctx.services.overview.overview();
      },
    );

    app.get(
      '/api/admin/message-logs',
      {
        schema: {
          tags: ['admin: message logs'],
          summary: 'Every conversation with its decrypted messages, filtered and paged (each view is audited)',
          querystring: messageLogQuerySchema,
        },
      },
      async (request, reply) => {
        const { admin, actor } = await adminActor(request, reply);
        return messageLogs.search(admin, actor, request.query);
      },
    );
  },
};
