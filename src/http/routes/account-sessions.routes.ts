import { z } from 'zod';
import { inTransaction } from '../../db/transaction.js';
import type { AppContext } from '../../core/context.js';
import type { CustomerPrincipal, RequestMeta, StaffPrincipal } from '../../modules/identity/principal.js';
import { presentSession } from '../../modules/identity/session.presenter.js';
import { AppError } from '../../shared/errors.js';
import { requestMeta } from '../auth/authenticate.js';
import { requireCustomer, requireStaff } from '../auth/guards.js';
import { clearSessionCookie } from '../auth/session-cookies.js';
import type { RouteModule, TypedApp } from './route-module.js';

export const sessionView = z.object({
  id: z.string(),
  device: z.string(),
  ip: z.string().nullable(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  current: z.boolean(),
});
const sessionParams = z.object({ sessionId: z.string().min(1).max(100) });

/** Signs one of the person's own sessions out (another person's id, or a gone one, is the same 404). */
async function revokeOwnSession(
  ctx: AppContext,
  p: CustomerPrincipal | StaffPrincipal,
  sessionId: string,
  meta: RequestMeta,
): Promise<void> {
  await inTransaction(ctx.db, ctx.bus, async (uow) => {
    if (!(await ctx.services.sessions.revokeOneOf(uow, p.userId, sessionId))) throw new AppError('not_found');
    if (p.kind === 'staff') {
      await ctx.services.audit.record(
        uow.trx,
        { id: p.userId, name: p.username, ip: meta.ip },
        { action: 'staff.session_revoked', details: { current: sessionId === p.sessionId } },
      );
    }
  });
}

function register(
  app: TypedApp,
  ctx: AppContext,
  side: 'public' | 'staff',
  prefix: string,
  tags: string[],
  guard: (
    request: Parameters<typeof requireCustomer>[1],
    reply: Parameters<typeof requireCustomer>[2],
  ) => Promise<CustomerPrincipal | StaffPrincipal>,
) {
  app.get(
    `${prefix}/sessions`,
    {
      schema: {
        tags,
        summary: 'Your signed-in devices, most recently used first (at most 100)',
        response: { 200: z.object({ sessions: z.array(sessionView) }) },
      },
    },
    async (request, reply) => {
      const p = await guard(request, reply);
      const rows = await ctx.services.sessions.listForUser(p.userId);
      return { sessions: rows.map((r) => presentSession(r, p.sessionId)) };
    },
  );

  app.delete(
    `${prefix}/sessions/:sessionId`,
    {
      schema: {
        tags,
        summary: 'Sign out one of your devices (its open pages and sockets end at once)',
        params: sessionParams,
        response: { 200: z.object({ ok: z.literal(true), current: z.boolean() }) },
      },
    },
    async (request, reply) => {
      const p = await guard(request, reply);
      await revokeOwnSession(ctx, p, request.params.sessionId, requestMeta(request));
      const current = request.params.sessionId === p.sessionId;
      if (current) clearSessionCookie(reply, ctx.config, side);
      return { ok: true as const, current };
    },
  );
}

/** A customer's own sessions (the account page's list). */
export const customerSessionRoutes: RouteModule = {
  name: 'customer-sessions',
  sides: ['public'],
  register(app, ctx) {
    register(app, ctx, 'public', '/api/customers', ['customer accounts'], (request, reply) =>
      requireCustomer(ctx, request, reply),
    );
  },
};

/** A staff member's own sessions (Your account → Sessions); reachable during a required 2FA enrolment. */
export const staffSessionRoutes: RouteModule = {
  name: 'staff-sessions',
  sides: ['staff'],
  register(app, ctx) {
    register(app, ctx, 'staff', '/api/staff', ['staff accounts'], (request, reply) =>
      requireStaff(ctx, request, reply, { duringEnrolment: true }),
    );
  },
};
