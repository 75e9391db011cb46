import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { ExportDownload } from '../../modules/privacy/data-export.service.js';
import { contentDisposition } from '../../modules/attachments/content-disposition.js';
import { requestMeta } from '../auth/authenticate.js';
import { requireAdmin, requireCustomer } from '../auth/guards.js';
import { clearSessionCookie } from '../auth/session-cookies.js';
import { httpRateLimits } from '../rate-limits.js';
import type { RouteModule } from './route-module.js';

const contactParams = z.object({ kind: z.enum(['customer', 'visitor']), id: z.string().min(1).max(100) });
const erasure = z.object({ conversations: z.number(), files: z.number() });
const summary = z.object({
  kind: z.enum(['customer', 'visitor']),
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  createdAt: z.string(),
  isActive: z.boolean().nullable(),
  counts: z.object({
    conversations: z.number(),
    files: z.number(),
    sessions: z.number(),
    linkedVisitors: z.number(),
  }),
  conversations: z.array(
    z.object({
      id: z.string(),
      status: z.string(),
      displayName: z.string(),
      topic: z.string().nullable(),
      createdAt: z.string(),
      lastMessageAt: z.string(),
    }),
  ),
  page: z.number(),
  pageSize: z.number(),
});
const EXPORT_DESCRIPTION =
  'A zip, streamed: README.txt, account.json, sessions.json, audit.json and conversations/<date>-<id>/' +
  '{conversation.json, messages.json, files/…} — every message and file the contact could see, decrypted ' +
  '(never a private note). Rate limit LIMIT_EXPORTS_PER_HOUR per IP.';

/** Sends an export: a download that no cache keeps and no browser renders. */
function sendZip(reply: FastifyReply, download: ExportDownload) {
  return reply
    .header('content-type', 'application/zip')
    .header('content-disposition', contentDisposition(download.fileName, 'attachment'))
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'private, no-store')
    .send(download.stream);
}

/** Admin → a contact (customer or visitor): what is held, the export and the erasure. */
export const adminPrivacyRoutes: RouteModule = {
  name: 'admin-privacy',
  sides: ['staff'],
  register(app, ctx) {
    const tags = ['admin: privacy'];
    const actorOf = (admin: { userId: string; username: string }, ip: string | null) => ({
      id: admin.userId,
      name: admin.username,
      ip,
    });

    app.get(
      '/api/admin/contacts/:kind/:id',
      {
        schema: {
          tags,
          summary: 'What is held about a contact: account, counts, and a page of its conversations (newest first)',
          params: contactParams,
          querystring: z.strictObject({
            page: z.coerce.number().int().min(1).max(100_000).default(1),
            pageSize: z.coerce.number().int().min(1).max(100).default(20),
          }),
          response: { 200: summary },
        },
      },
      async (request, reply) => {
        await requireAdmin(ctx, request, reply);
        return ctx.services.privacy.summary(request.params, request.query.page, request.query.pageSize);
      },
    );

    app.get(
      '/api/admin/contacts/:kind/:id/export',
      {
        schema: {
          tags,
          summary: 'Download everything held about a contact (zip of JSON and files); audited',
          description: EXPORT_DESCRIPTION,
          params: contactParams,
          produces: ['application/zip'],
        },
        config: { rateLimit: httpRateLimits(ctx.config).dataExport },
      },
      async (request, reply) => {
        const admin = await requireAdmin(ctx, request, reply);
        const download = await ctx.services.privacy.export(request.params, actorOf(admin, requestMeta(request).ip));
        return sendZip(reply, download);
      },
    );

    app.post(
      '/api/admin/contacts/:kind/:id/erase',
      {
        schema: {
          tags,
          summary:
            'Erase a contact: conversations, messages, files, sessions and account deleted, keys shredded; audited without personal data',
          params: contactParams,
          response: { 200: erasure },
        },
      },
      async (request, reply) => {
        const admin = await requireAdmin(ctx, request, reply);
        // The erasure line is the admin's action; it names the contact by its (now meaningless) id only.
        return ctx.services.privacy.erase(request.params, actorOf(admin, requestMeta(request).ip));
      },
    );
  },
};

/** A signed-in customer's own data: download it, or erase the account with it. */
export const customerPrivacyRoutes: RouteModule = {
  name: 'customer-privacy',
  sides: ['public'],
  register(app, ctx) {
    const tags = ['customer accounts'];

    app.get(
      '/api/customers/me/export',
      {
        schema: {
          tags,
          summary: 'Download everything held about you (zip of JSON and files)',
          description: EXPORT_DESCRIPTION,
          produces: ['application/zip'],
        },
        config: { rateLimit: httpRateLimits(ctx.config).dataExport },
      },
      async (request, reply) => {
        const p = await requireCustomer(ctx, request, reply);
        const download = await ctx.services.privacy.export(
          { kind: 'customer', id: p.userId },
          { id: p.userId, name: p.username, ip: requestMeta(request).ip },
        );
        return sendZip(reply, download);
      },
    );

    app.post(
      '/api/customers/me/erase',
      {
        schema: {
          tags,
          summary: 'Delete your account and everything held about you, for good (needs your password)',
          body: z.strictObject({ password: z.string().min(1, 'is required').max(256) }),
          response: { 200: erasure },
        },
      },
      async (request, reply) => {
        const p = await requireCustomer(ctx, request, reply);
        const result = await ctx.services.privacy.eraseSelf(p, request.body.password, requestMeta(request));
        clearSessionCookie(reply, ctx.config, 'public');
        return result;
      },
    );
  },
};
