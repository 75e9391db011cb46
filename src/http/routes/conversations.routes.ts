import { z } from 'zod';
import {
  historyQuerySchema,
  sendMessageSchema,
  staffSendMessageSchema,
  startConversationSchema,
} from '../../shared/conversations.js';
import { requestMeta } from '../auth/authenticate.js';
import { requirePublicPrincipal, requireStaff } from '../auth/guards.js';
import { requireStaffOrToken } from '../auth/route-auth.js';
import { attachmentViewSchema } from './attachments.routes.js';
import { httpRateLimits } from '../rate-limits.js';
import type { RouteModule } from './route-module.js';

const idParams = z.object({ id: z.string().min(1).max(64) });

const messageView = z.object({
  id: z.string(),
  conversationId: z.string(),
  seq: z.number(),
  kind: z.enum(['text', 'system', 'note']),
  author: z.object({
    type: z.enum(['visitor', 'customer', 'staff', 'system', 'bot']),
    name: z.string(),
    title: z.string().nullable(),
    isSelf: z.boolean(),
  }),
  text: z.string().nullable(),
  attachments: z.array(attachmentViewSchema),
  createdAt: z.string(),
  clientMsgId: z.string().nullable(),
  publicSeq: z.number().nullable().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
const conversationView = z.object({
  id: z.string(),
  status: z.enum(['waiting', 'active', 'closed', 'left']),
  displayName: z.string(),
  topic: z.string().nullable(),
  createdAt: z.string(),
  lastMessageAt: z.string(),
  lastSeq: z.number(),
  agents: z.array(z.object({ userId: z.string(), name: z.string(), title: z.string() })),
  closedBy: z.string().nullable(),
  closedAt: z.string().nullable(),
  queuePosition: z.number().nullable(),
  ownerReadSeq: z.number(),
  agentsReadSeq: z.number(),
});
const staffConversationView = conversationView.extend({
  lastPublicSeq: z.number(),
  customerId: z.string().nullable(),
  visitorId: z.string().nullable(),
  email: z.string().nullable(),
  waitingSince: z.string().nullable(),
  verifiedContact: z
    .object({ site: z.string(), userId: z.string(), email: z.string().nullable(), name: z.string().nullable() })
    .nullable()
    .optional(),
});
const historyView = (c: z.ZodType) =>
  z.object({ conversation: c, messages: z.array(messageView), hasMore: z.boolean() });
const sendResult = z.object({ message: messageView, duplicate: z.boolean() });

/** Visitors and customers: start, read, write and leave their own conversations. */
export const conversationRoutes: RouteModule = {
  name: 'conversations',
  sides: ['public'],
  register(app, ctx) {
    const tags = ['conversations'];
    const svc = ctx.services.conversations;

    app.get(
      '/api/topics',
      {
        config: { auth: 'public' },
        schema: {
          tags,
          summary: 'Topics the start form offers',
          response: { 200: z.object({ topics: z.array(z.object({ id: z.string(), label: z.string() })) }) },
        },
      },
      async () => ({
        topics: await svc.listTopics(),
      }),
    );

    app.post(
      '/api/conversations',
      {
        schema: {
          tags,
          summary: 'Start a conversation with its first message (one open conversation per visitor or customer)',
          body: startConversationSchema,
          response: {
            201: z.object({
              conversation: conversationView,
              message: messageView,
              // Started while support is closed: the system line it got and the next opening (null while open).
              offline: z
                .object({
                  message: z.string(),
                  nextAvailable: z.object({ at: z.string(), text: z.string() }).nullable(),
                })
                .nullable(),
            }),
          },
        },
        config: { rateLimit: httpRateLimits(ctx.config).conversation },
      },
      async (request, reply) => {
        const principal = await requirePublicPrincipal(ctx, request, reply);
        const userAgent = requestMeta(request).userAgent;
        return reply.status(201).send(await svc.start(principal, { ...request.body, userAgent }));
      },
    );

    app.get(
      '/api/conversations',
      {
        schema: {
          tags,
          summary:
            'My conversations, newest first, with the question each started with and its last message (search: topic or message text)',
          querystring: z.strictObject({ search: z.string().trim().max(200).optional() }),
          response: {
            200: z.object({
              conversations: z.array(
                conversationView.extend({ firstMessage: messageView.nullable(), lastMessage: messageView.nullable() }),
              ),
            }),
          },
        },
      },
      async (request, reply) => ({
        conversations: await svc.listMine(await requirePublicPrincipal(ctx, request, reply), {
          search: request.query.search || undefined,
        }),
      }),
    );

    app.get(
      '/api/conversations/:id',
      { schema: { tags, summary: 'One of my conversations', params: idParams, response: { 200: conversationView } } },
      async (request, reply) => svc.getView(await requirePublicPrincipal(ctx, request, reply), request.params.id),
    );

    app.get(
      '/api/conversations/:id/messages',
      {
        schema: {
          tags,
          summary: 'Messages after a sequence number (resume or page through history)',
          params: idParams,
          querystring: historyQuerySchema,
          response: { 200: historyView(conversationView) },
        },
      },
      async (request, reply) => {
        const principal = await requirePublicPrincipal(ctx, request, reply);
        return svc.history(principal, request.params.id, request.query.after, request.query.limit);
      },
    );

    app.post(
      '/api/conversations/:id/messages',
      {
        schema: {
          tags,
          summary: 'Send a message; resending the same clientMsgId returns the original (200) instead of a copy',
          params: idParams,
          body: sendMessageSchema,
          response: { 200: sendResult, 201: sendResult },
        },
      },
      async (request, reply) => {
        const principal = await requirePublicPrincipal(ctx, request, reply);
        const result = await svc.send(principal, request.params.id, request.body);
        return reply.status(result.duplicate ? 200 : 201).send(result);
      },
    );

    app.post(
      '/api/conversations/:id/leave',
      {
        schema: {
          tags,
          summary: 'Leave the conversation (it becomes read-only for you)',
          params: idParams,
          response: { 200: conversationView },
        },
      },
      async (request, reply) => svc.leave(await requirePublicPrincipal(ctx, request, reply), request.params.id),
    );
  },
};

/** Staff: read any conversation; write after joining; join, leave, close. */
export const staffConversationRoutes: RouteModule = {
  name: 'staff-conversations',
  sides: ['staff'],
  register(app, ctx) {
    const tags = ['staff: conversations'];
    const svc = ctx.services.conversations;

    const read = { auth: { scope: 'conversations:read' as const } };
    app.get(
      '/api/staff/conversations/:id',
      {
        config: read,
        schema: {
          tags,
          summary: 'Any conversation (agents may read every conversation)',
          params: idParams,
          response: { 200: staffConversationView },
        },
      },
      async (request, reply) => svc.getStaffView(await requireStaffOrToken(ctx, request, reply), request.params.id),
    );

    app.get(
      '/api/staff/conversations/:id/messages',
      {
        config: read,
        schema: {
          tags,
          summary: 'Messages (notes included) after a sequence number',
          description: 'An API token gets private notes only with the scope `notes:read` as well.',
          params: idParams,
          querystring: historyQuerySchema,
          response: { 200: historyView(staffConversationView) },
        },
      },
      async (request, reply) => {
        const reader = await requireStaffOrToken(ctx, request, reply);
        return svc.history(reader, request.params.id, request.query.after, request.query.limit);
      },
    );

    app.post(
      '/api/staff/conversations/:id/messages',
      {
        config: { auth: { scope: 'messages:write' } },
        schema: {
          tags,
          summary: 'Reply or post a private note (join first); an API token replies as its bot',
          description:
            'Agents must join first. An API token with `messages:write` replies as its bot (author type `bot`, ' +
            'its bot name, title "Bot") in any open conversation without joining it, text only (no notes, no files).',
          params: idParams,
          body: staffSendMessageSchema,
          response: { 200: sendResult, 201: sendResult },
        },
      },
      async (request, reply) => {
        const author = await requireStaffOrToken(ctx, request, reply);
        const result = await svc.send(author, request.params.id, request.body);
        return reply.status(result.duplicate ? 200 : 201).send(result);
      },
    );

    for (const [action, summary] of [
      ['join', 'Join (idempotent): the conversation becomes active'],
      ['leave', 'Leave (hand-over): with no agent left it returns to the queue'],
      ['close', 'Close (its agents or an admin); the transcript is kept'],
    ] as const) {
      app.post(
        `/api/staff/conversations/:id/${action}`,
        { schema: { tags, summary, params: idParams, response: { 200: staffConversationView } } },
        async (request, reply) => {
          const staff = await requireStaff(ctx, request, reply);
          if (action === 'join') return svc.join(staff, request.params.id);
          if (action === 'leave') return svc.leaveAsAgent(staff, request.params.id);
          return svc.close(staff, request.params.id);
        },
      );
    }
  },
};
