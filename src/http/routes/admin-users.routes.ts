import { z } from 'zod';
import { presentAuditEntry } from '../../modules/audit/audit.presenter.js';
import { presentUser } from '../../modules/identity/user.presenter.js';
import { isSettingKey } from '../../modules/settings/settings.definitions.js';
import { AppError } from '../../shared/errors.js';
import { adminResetPasswordSchema, staffCreateSchema, staffUpdateSchema } from '../../shared/identity.schemas.js';
import { requestMeta } from '../auth/authenticate.js';
import { requireAdmin } from '../auth/guards.js';
import type { RouteModule } from './route-module.js';
import { auditActorOf, requireAdminOrToken } from '../auth/route-auth.js';

const userView = z.object({
  id: z.string(),
  role: z.enum(['customer', 'agent', 'admin']),
  username: z.string(),
  email: z.string(),
  displayName: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  jobTitle: z.string(),
  departments: z.array(z.string()),
  isActive: z.boolean(),
  emailVerified: z.boolean(),
  lastLoginAt: z.string().nullable(),
  createdAt: z.string(),
});
const idParams = z.object({ id: z.string().min(1).max(100) });
const ok = z.object({ ok: z.literal(true) });
const tags = ['admin: users'];

/** Admins manage staff and customer accounts, read the audit log, and change settings. */
export const adminUsersRoutes: RouteModule = {
  name: 'admin-users',
  sides: ['staff'],
  register(app, ctx) {
    const actorOf = async (request: Parameters<typeof requestMeta>[0], reply: Parameters<typeof requireAdmin>[2]) => {
      const admin = await requireAdmin(ctx, request, reply);
      return { ...admin, id: admin.userId, name: admin.username, ip: requestMeta(request).ip };
    };

    const contacts = { auth: { scope: 'contacts:manage' as const } };
    /** A token with contacts:manage sees customers only: staff accounts are as missing as unknown ids. */
    const customerForToken = async (p: Awaited<ReturnType<typeof requireAdminOrToken>>, id: string) => {
      const user = await ctx.services.users.get(id);
      if (p.kind === 'token' && user.role !== 'customer') throw new AppError('not_found');
      return user;
    };

    app.get(
      '/api/admin/users',
      {
        config: contacts,
        schema: {
          tags,
          summary: 'List or search staff or customers',
          description: 'An API token (contacts:manage) lists customers only (`kind=customers`).',
          querystring: z.strictObject({
            kind: z.enum(['staff', 'customers']).default('staff'),
            search: z.string().trim().max(100).optional(),
            role: z.enum(['customer', 'agent', 'admin']).optional(),
            active: z.enum(['true', 'false']).optional(),
            page: z.coerce.number().int().min(1).max(100_000).default(1),
            pageSize: z.coerce.number().int().min(1).max(100).default(25),
          }),
          response: {
            200: z.object({ users: z.array(userView), total: z.number(), page: z.number(), pageSize: z.number() }),
          },
        },
      },
      async (request, reply) => {
        const p = await requireAdminOrToken(ctx, request, reply);
        const q = request.query;
        if (p.kind === 'token' && q.kind !== 'customers') {
          throw new AppError('insufficient_scope', 'An API token may list customers only (kind=customers).');
        }
        const { rows, total } = await ctx.services.users.list({
          kind: q.kind,
          search: q.search || undefined,
          role: q.role,
          active: q.active === undefined ? undefined : q.active === 'true',
          limit: q.pageSize,
          offset: (q.page - 1) * q.pageSize,
        });
        return { users: rows.map(presentUser), total, page: q.page, pageSize: q.pageSize };
      },
    );

    app.post(
      '/api/admin/users',
      { schema: { tags, summary: 'Create an agent or admin', body: staffCreateSchema, response: { 201: userView } } },
      async (request, reply) => {
        const actor = await actorOf(request, reply);
        const user = await ctx.services.users.createStaff(actor, request.body);
        return reply.status(201).send(presentUser(user));
      },
    );

    app.get(
      '/api/admin/users/:id',
      {
        config: contacts,
        schema: {
          tags,
          summary: 'One account',
          description: 'An API token (contacts:manage) reads customers only.',
          params: idParams,
          response: { 200: userView },
        },
      },
      async (request, reply) =>
        presentUser(await customerForToken(await requireAdminOrToken(ctx, request, reply), request.params.id)),
    );

    app.patch(
      '/api/admin/users/:id',
      {
        schema: {
          tags,
          summary: 'Edit a staff account',
          params: idParams,
          body: staffUpdateSchema,
          response: { 200: userView },
        },
      },
      async (request, reply) => {
        const actor = await actorOf(request, reply);
        return presentUser(await ctx.services.users.updateStaff(actor, request.params.id, request.body));
      },
    );

    app.post(
      '/api/admin/users/:id/deactivate',
      {
        schema: {
          tags,
          summary: 'Deactivate: ends every session and socket at once',
          params: idParams,
          response: { 200: ok },
        },
      },
      async (request, reply) => {
        await ctx.services.users.deactivate(await actorOf(request, reply), request.params.id);
        return { ok: true as const };
      },
    );

    app.post(
      '/api/admin/users/:id/reactivate',
      { schema: { tags, summary: 'Reactivate a deactivated account', params: idParams, response: { 200: ok } } },
      async (request, reply) => {
        await ctx.services.users.reactivate(await actorOf(request, reply), request.params.id);
        return { ok: true as const };
      },
    );

    app.post(
      '/api/admin/users/:id/reset-password',
      {
        schema: {
          tags,
          summary: 'Set a new password for someone (ends their sessions)',
          params: idParams,
          body: adminResetPasswordSchema,
          response: { 200: ok },
        },
      },
      async (request, reply) => {
        await ctx.services.users.resetPassword(
          await actorOf(request, reply),
          request.params.id,
          request.body.newPassword,
        );
        return { ok: true as const };
      },
    );

    app.delete(
      '/api/admin/users/:id',
      {
        config: contacts,
        schema: {
          tags,
          summary: "Delete an account (a customer's conversations are erased)",
          description: 'An API token (contacts:manage) deletes customers only; the audit log names the token.',
          params: idParams,
          response: { 200: ok },
        },
      },
      async (request, reply) => {
        const p = await requireAdminOrToken(ctx, request, reply);
        await customerForToken(p, request.params.id);
        await ctx.services.users.delete(auditActorOf(p, request), request.params.id);
        return { ok: true as const };
      },
    );

    app.get(
      '/api/admin/audit',
      {
        schema: {
          tags: ['admin: audit'],
          summary:
            'Audit log of staff actions, newest first: each with a summary, what changed (before → after) and other facts',
          querystring: z.strictObject({
            actorId: z.string().max(100).optional(),
            action: z.string().max(100).optional(),
            targetId: z.string().max(100).optional(),
            from: z.iso.datetime({ offset: true }).optional(),
            to: z.iso.datetime({ offset: true }).optional(),
            page: z.coerce.number().int().min(1).max(100_000).default(1),
            pageSize: z.coerce.number().int().min(1).max(200).default(50),
          }),
        },
      },
      async (request, reply) => {
        await requireAdmin(ctx, request, reply);
        const q = request.query;
        const result = await ctx.services.audit.list({
          actorId: q.actorId,
          action: q.action,
          targetId: q.targetId,
          from: q.from ? Date.parse(q.from) : undefined,
          to: q.to ? Date.parse(q.to) : undefined,
          limit: q.pageSize,
          offset: (q.page - 1) * q.pageSize,
        });
        return { ...result, entries: result.entries.map(presentAuditEntry), page: q.page, pageSize: q.pageSize };
      },
    );

    app.get(
      '/api/admin/settings',
      { schema: { tags: ['admin: settings'], summary: 'Every runtime setting' } },
      async (request, reply) => {
        await requireAdmin(ctx, request, reply);
        return ctx.services.settings.all();
      },
    );

    app.patch(
      '/api/admin/settings',
      {
        schema: {
          tags: ['admin: settings'],
          summary: 'Change runtime settings (each key validated; all or nothing)',
          body: z.record(z.string().max(100), z.unknown()),
        },
      },
      async (request, reply) => {
        const actor = await actorOf(request, reply);
        const entries = Object.entries(request.body);
        const unknown = entries
          .filter(([key]) => !isSettingKey(key))
          .map(([key]) => ({ path: key, message: 'is not a setting' }));
        if (unknown.length > 0 || entries.length === 0) {
          throw new AppError('validation_failed', undefined, {
            fields: unknown.length ? unknown : [{ path: '(body)', message: 'nothing to change' }],
          });
        }
        await ctx.services.settings.setMany(Object.fromEntries(entries), actor);
        return ctx.services.settings.all();
      },
    );
  },
};
