import { z } from 'zod';
import {
  API_SCOPES,
  apiTokenCreateSchema,
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_EVENTS,
  webhookEndpointCreateSchema,
  webhookEndpointUpdateSchema,
} from '../../shared/integrations.js';
import { requestMeta } from '../auth/authenticate.js';
import { requireAdmin } from '../auth/guards.js';
import { auditActorOf, requireAdminOrToken } from '../auth/route-auth.js';
import type { RouteModule } from './route-module.js';

const idParams = z.object({ id: z.string().min(1).max(64) });
const ok = z.object({ ok: z.literal(true) });
const paging = {
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(25),
};

const apiTokenView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(API_SCOPES)),
  botName: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  lastUsedIp: z.string().nullable(),
  revokedAt: z.string().nullable(),
  revokedBy: z.string().nullable(),
  status: z.enum(['active', 'revoked', 'expired']),
});

const endpointView = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENTS)),
  includeNotes: z.boolean(),
  allowPrivateNetwork: z.boolean(),
  isActive: z.boolean(),
  createdAt: z.string(),
  createdBy: z.string(),
  updatedAt: z.string(),
  recent: z.object({ delivered: z.number(), pending: z.number(), failed: z.number() }),
});

const deliveryView = z.object({
  id: z.string(),
  endpointId: z.string(),
  endpointUrl: z.string(),
  eventId: z.string(),
  event: z.enum(WEBHOOK_EVENTS),
  conversationId: z.string().nullable(),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES),
  attempts: z.number(),
  createdAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  responseStatus: z.number().nullable(),
  latencyMs: z.number().nullable(),
  responseSnippet: z.string().nullable(),
  error: z.string().nullable(),
  redeliveryOf: z.string().nullable(),
});

/** Admin → API tokens: session-only (a token never mints or revokes tokens). */
export const apiTokenRoutes: RouteModule = {
  name: 'api-tokens',
  sides: ['staff'],
  register(app, ctx) {
    const tags = ['admin: API tokens'];
    const tokens = ctx.services.apiTokens;
    const actorOf = async (request: Parameters<typeof requestMeta>[0], reply: Parameters<typeof requireAdmin>[2]) => {
      const admin = await requireAdmin(ctx, request, reply);
      return { id: admin.userId, name: admin.username, ip: requestMeta(request).ip };
    };

    app.get(
      '/api/admin/api-tokens',
      {
        schema: {
          tags,
          summary: 'API tokens, newest first: scopes, bot name, last use, status (never the token itself)',
          querystring: z.strictObject(paging),
          response: {
            200: z.object({ tokens: z.array(apiTokenView), total: z.number(), page: z.number(), pageSize: z.number() }),
          },
        },
      },
      async (request, reply) => {
        await requireAdmin(ctx, request, reply);
        const { page, pageSize } = request.query;
        return { ...(await tokens.list(page, pageSize)), page, pageSize };
      },
    );

    app.post(
      '/api/admin/api-tokens',
      {
        schema: {
          tags,
          summary: 'Create a token: the answer carries it once (store it now; only its hash is kept). Audited',
          body: apiTokenCreateSchema,
          response: { 201: z.object({ token: z.string(), apiToken: apiTokenView }) },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await tokens.create(await actorOf(request, reply), request.body)),
    );

    app.post(
      '/api/admin/api-tokens/:id/revoke',
      {
        schema: {
          tags,
          summary: 'Revoke a token: its next request is refused, on every instance. Audited',
          params: idParams,
          response: { 200: apiTokenView },
        },
      },
      async (request, reply) => tokens.revoke(await actorOf(request, reply), request.params.id),
    );
  },
};

/** Admin → Webhooks: endpoints and their delivery log (admins, or tokens with webhooks:manage). */
export const webhookRoutes: RouteModule = {
  name: 'webhooks',
  sides: ['staff'],
  register(app, ctx) {
    const tags = ['admin: webhooks'];
    const { webhookEndpoints: endpoints, webhooks } = ctx.services;
    const config = { auth: { scope: 'webhooks:manage' as const } };
    const actor = async (request: Parameters<typeof requestMeta>[0], reply: Parameters<typeof requireAdmin>[2]) =>
      auditActorOf(await requireAdminOrToken(ctx, request, reply), request);

    app.get(
      '/api/admin/webhooks',
      {
        config,
        schema: {
          tags,
          summary: 'Webhook endpoints, oldest first, with their deliveries of the last 24 hours',
          querystring: z.strictObject(paging),
          response: {
            200: z.object({
              endpoints: z.array(endpointView),
              total: z.number(),
              page: z.number(),
              pageSize: z.number(),
            }),
          },
        },
      },
      async (request, reply) => {
        await requireAdminOrToken(ctx, request, reply);
        const { page, pageSize } = request.query;
        return { ...(await endpoints.list(page, pageSize)), page, pageSize };
      },
    );

    app.post(
      '/api/admin/webhooks',
      {
        config,
        schema: {
          tags,
          summary: 'Register an endpoint: the answer carries its signing secret once. Audited',
          description:
            'https:// only, and the address must be public (checked again after DNS resolution at every send) unless ' +
            '`allowPrivateNetwork` is set for this endpoint. Deliveries are signed: see docs/integrations.md.',
          body: webhookEndpointCreateSchema,
          response: { 201: z.object({ endpoint: endpointView, secret: z.string() }) },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await endpoints.create(await actor(request, reply), request.body)),
    );

    app.get(
      '/api/admin/webhooks/:id',
      { config, schema: { tags, summary: 'One endpoint', params: idParams, response: { 200: endpointView } } },
      async (request, reply) => {
        await requireAdminOrToken(ctx, request, reply);
        return endpoints.get(request.params.id);
      },
    );

    app.patch(
      '/api/admin/webhooks/:id',
      {
        config,
        schema: {
          tags,
          summary: 'Change an endpoint (URL, events, notes, private targets, active). Audited',
          params: idParams,
          body: webhookEndpointUpdateSchema,
          response: { 200: endpointView },
        },
      },
      async (request, reply) => endpoints.update(await actor(request, reply), request.params.id, request.body),
    );

    app.post(
      '/api/admin/webhooks/:id/rotate-secret',
      {
        config,
        schema: {
          tags,
          summary: 'A new signing secret, shown once; the old one stops signing at once. Audited',
          params: idParams,
          response: { 200: z.object({ secret: z.string() }) },
        },
      },
      async (request, reply) => endpoints.rotateSecret(await actor(request, reply), request.params.id),
    );

    app.delete(
      '/api/admin/webhooks/:id',
      {
        config,
        schema: {
          tags,
          summary: 'Delete an endpoint and its delivery log. Audited',
          params: idParams,
          response: { 200: ok },
        },
      },
      async (request, reply) => {
        await endpoints.remove(await actor(request, reply), request.params.id);
        return { ok: true as const };
      },
    );

    app.get(
      '/api/admin/webhook-deliveries',
      {
        config,
        schema: {
          tags,
          summary: 'The delivery log, newest first: status, attempts, HTTP status, latency, response snippet',
          querystring: z.strictObject({
            endpointId: z.string().max(64).optional(),
            status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional(),
            event: z.enum(WEBHOOK_EVENTS).optional(),
            ...paging,
          }),
          response: {
            200: z.object({
              deliveries: z.array(deliveryView),
              total: z.number(),
              page: z.number(),
              pageSize: z.number(),
            }),
          },
        },
      },
      async (request, reply) => {
        await requireAdminOrToken(ctx, request, reply);
        const q = request.query;
        const result = await webhooks.list({
          endpointId: q.endpointId,
          status: q.status,
          eventType: q.event,
          limit: q.pageSize,
          offset: (q.page - 1) * q.pageSize,
        });
        return { ...result, page: q.page, pageSize: q.pageSize };
      },
    );

    app.post(
      '/api/admin/webhook-deliveries/:id/redeliver',
      {
        config,
        schema: {
          tags,
          summary: 'Send a delivery’s event again, as a new delivery with its own attempts. Audited',
          params: idParams,
          response: { 201: deliveryView },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await webhooks.redeliver(await actor(request, reply), request.params.id)),
    );
  },
};
