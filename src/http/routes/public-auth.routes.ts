import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../core/context.js';
import type { IssuedSession } from '../../modules/identity/session.service.js';
import { presentMe } from '../../modules/identity/user.presenter.js';
import { findUserById } from '../../modules/identity/user.repository.js';
import {
  changePasswordSchema,
  customerUpdateSchema,
  loginSchema,
  registerSchema,
  type MeResponse,
} from '../../shared/identity.schemas.js';
import { AppError } from '../../shared/errors.js';
import { safeNextPath } from '../../shared/safe-redirect.js';
import { authenticate, requestMeta } from '../auth/authenticate.js';
import { requireCustomer } from '../auth/guards.js';
import { clearSessionCookie, setSessionCookie } from '../auth/session-cookies.js';
import { linkOrigin } from '../../core/origins.js';
import { httpRateLimits } from '../rate-limits.js';
import type { RouteModule } from './route-module.js';
import { registerPasswordResetRoutes } from './password-reset.js';

const transport = z.enum(['cookie', 'bearer']).optional();
const meSchema = z.object({
  kind: z.enum(['visitor', 'customer', 'staff']),
  id: z.string(),
  role: z.enum(['customer', 'agent', 'admin']).optional(),
  username: z.string().optional(),
  email: z.string().optional(),
  displayName: z.string(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  jobTitle: z.string().optional(),
  departments: z.array(z.string()).optional(),
  emailVerified: z.boolean().optional(),
});
const sessionResponse = z.object({ me: meSchema, token: z.string().optional(), redirectTo: z.string().optional() });
const ok = z.object({ ok: z.literal(true) });
const tags = ['customer accounts'];

/** Sends a new session as a cookie (browsers) or in the body (API clients asking for a bearer token). */
export function deliverSession(
  ctx: AppContext,
  reply: FastifyReply,
  side: 'public' | 'staff',
  issued: IssuedSession,
  mode: 'cookie' | 'bearer' | undefined,
): { token?: string } {
  if (mode === 'bearer') return { token: issued.token };
  setSessionCookie(reply, ctx.config, side, issued.token, issued.expiresAt, ctx.clock.now());
  return {};
}

/** Where links in e-mails point: the configured public origin, or this request's own. */

async function currentMe(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<MeResponse | null> {
  const p = await authenticate(ctx, request, reply, 'public');
  if (!p) return null;
  if (p.kind === 'visitor') return { kind: 'visitor', id: p.visitorId, displayName: 'Visitor' };
  if (p.kind !== 'customer') return null;
  const user = await findUserById(ctx.db, p.userId);
  return user ? presentMe(user) : null;
}

/** Visitor sessions and customer accounts: the public side. */
export const publicAuthRoutes: RouteModule = {
  name: 'public-auth',
  sides: ['public'],
  register(app, ctx) {
    const limits = httpRateLimits(ctx.config);

    app.get(
      '/api/session',
      {
        config: { auth: 'public' },
        schema: {
          tags,
          summary: 'Who this browser is on the public side (a visitor, a customer, or nobody)',
          response: { 200: z.object({ me: meSchema.nullable(), passwordResetByEmail: z.boolean() }) },
        },
      },
      async (request, reply) => ({
        me: await currentMe(ctx, request, reply),
        passwordResetByEmail: ctx.services.accountMail.isAvailable,
      }),
    );

    app.post(
      '/api/visitor/session',
      {
        schema: {
          tags,
          summary: 'Start an anonymous visitor session (idempotent: an existing visitor or customer session is kept)',
          body: z.strictObject({ transport }).optional(),
          response: { 200: sessionResponse, 201: sessionResponse },
        },
        config: { rateLimit: limits.visitorSession, auth: 'public' },
      },
      async (request, reply) => {
        const existing = await authenticate(ctx, request, reply, 'public');
        if (existing && request.body?.transport !== 'bearer') {
          const me = await currentMe(ctx, request, reply);
          if (me) return reply.status(200).send({ me });
        }
        const issued = await ctx.services.sessions.createVisitorSession(requestMeta(request));
        const extra = deliverSession(ctx, reply, 'public', issued, request.body?.transport);
        return reply
          .status(201)
          .send({ me: { kind: 'visitor' as const, id: issued.visitorId!, displayName: 'Visitor' }, ...extra });
      },
    );

    app.post(
      '/api/customers/register',
      {
        schema: {
          tags,
          summary: 'Register a customer account and sign in',
          body: registerSchema.and(z.object({ transport })),
          response: { 201: sessionResponse },
        },
        config: { rateLimit: limits.registration, auth: 'public' },
      },
      async (request, reply) => {
        const current = await authenticate(ctx, request, reply, 'public');
        const publicCurrent = current?.kind === 'visitor' || current?.kind === 'customer' ? current : undefined;
        const { user, issued } = await ctx.services.users.registerCustomer(request.body, async (uow, user) => ({
          user,
          issued: await ctx.services.auth.issueCustomerSession(uow, user, requestMeta(request), publicCurrent),
        }));
        if (publicCurrent) await ctx.services.sessions.revoke(publicCurrent.sessionId, 'signed_in_elsewhere');
        void ctx.services.accountMail
          .sendVerification(user.id, linkOrigin(ctx.config, request.raw, 'public'))
          .catch((err: unknown) => request.log.error({ err }, 'verification mail failed'));
        const extra = deliverSession(ctx, reply, 'public', issued, request.body.transport);
        return reply.status(201).send({ me: presentMe(user), ...extra });
      },
    );

    app.post(
      '/api/customers/login',
      {
        schema: {
          tags,
          summary: 'Sign in as a customer (by e-mail or username); a visitor keeps its open conversation',
          querystring: z.object({ next: z.string().max(2000).optional() }),
          body: loginSchema.extend({ transport }),
          response: { 200: sessionResponse },
        },
        config: { rateLimit: limits.login, auth: 'public' },
      },
      async (request, reply) => {
        const current = await authenticate(ctx, request, reply, 'public');
        const publicCurrent = current?.kind === 'visitor' || current?.kind === 'customer' ? current : undefined;
        const { user, session } = await ctx.services.auth.login(
          'customer',
          request.body,
          requestMeta(request),
          publicCurrent,
        );
        // Customers have no second factor: a password sign-in always ends with a session.
        if (!session) throw new AppError('internal_error');
        const extra = deliverSession(ctx, reply, 'public', session, request.body.transport);
        return { me: presentMe(user), redirectTo: safeNextPath(request.query.next, '/'), ...extra };
      },
    );

    app.post(
      '/api/customers/logout',
      { schema: { tags, summary: 'Sign out of this browser (visitor or customer)', response: { 200: ok } } },
      async (request, reply) => {
        const p = await authenticate(ctx, request, reply, 'public');
        if (p) await ctx.services.auth.logout(p, requestMeta(request));
        clearSessionCookie(reply, ctx.config, 'public');
        return { ok: true as const };
      },
    );

    app.post(
      '/api/customers/logout-everywhere',
      {
        schema: {
          tags,
          summary: 'End every session of this customer account, on every device',
          response: { 200: z.object({ ended: z.number() }) },
        },
      },
      async (request, reply) => {
        const p = await requireCustomer(ctx, request, reply);
        const ended = await ctx.services.auth.logoutEverywhere(p, requestMeta(request));
        clearSessionCookie(reply, ctx.config, 'public');
        return { ended };
      },
    );

    app.get(
      '/api/customers/me',
      { schema: { tags, summary: 'The signed-in customer', response: { 200: meSchema } } },
      async (request, reply) => {
        const p = await requireCustomer(ctx, request, reply);
        return presentMe(await ctx.services.users.get(p.userId));
      },
    );

    app.patch(
      '/api/customers/me',
      { schema: { tags, summary: 'Change the display name', body: customerUpdateSchema, response: { 200: meSchema } } },
      async (request, reply) => {
        const p = await requireCustomer(ctx, request, reply);
        return presentMe(await ctx.services.users.updateCustomerProfile(p.userId, request.body.displayName));
      },
    );

    app.post(
      '/api/customers/password',
      {
        schema: {
          tags,
          summary: 'Change the password (ends every other session)',
          body: changePasswordSchema,
          response: { 200: ok },
        },
      },
      async (request, reply) => {
        const p = await requireCustomer(ctx, request, reply);
        const issued = await ctx.services.auth.changePassword(p, request.body, requestMeta(request));
        setSessionCookie(reply, ctx.config, 'public', issued.token, issued.expiresAt, ctx.clock.now());
        return { ok: true as const };
      },
    );

    app.post(
      '/api/customers/verify-email',
      {
        config: { auth: 'public' },
        schema: {
          tags,
          summary: 'Confirm an e-mail address with the token from the e-mail',
          body: z.strictObject({ token: z.string().min(20).max(200) }),
          response: { 200: ok },
        },
      },
      async (request) => {
        await ctx.services.accountMail.confirmVerification(request.body.token);
        return { ok: true as const };
      },
    );

    registerPasswordResetRoutes(app, ctx, { prefix: '/api/password-reset', side: 'customer', tags });
  },
};
