import { z } from 'zod';
import { presentMe } from '../../modules/identity/user.presenter.js';
import { changePasswordSchema, loginSchema } from '../../shared/identity.schemas.js';
import { safeNextPath } from '../../shared/safe-redirect.js';
import { authenticate, requestMeta } from '../auth/authenticate.js';
import { requireStaff } from '../auth/guards.js';
import { clearSessionCookie, setSessionCookie } from '../auth/session-cookies.js';
import { httpRateLimits } from '../rate-limits.js';
import type { RouteModule } from './route-module.js';
import { registerPasswordResetRoutes } from './password-reset.js';
import { deliverSession } from './public-auth.routes.js';

const meSchema = z.object({
  kind: z.literal('staff'),
  id: z.string(),
  role: z.enum(['agent', 'admin']),
  username: z.string(),
  email: z.string(),
  displayName: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  jobTitle: z.string(),
  departments: z.array(z.string()),
});
const ok = z.object({ ok: z.literal(true) });
const tags = ['staff accounts'];

/** Staff sign-in and own-account actions; served only on the staff listener when STAFF_PORT is set. */
export const staffAuthRoutes: RouteModule = {
  name: 'staff-auth',
  sides: ['staff'],
  register(app, ctx) {
    const limits = httpRateLimits(ctx.config);

    app.get(
      '/api/staff/session',
      {
        config: { auth: 'public' },
        schema: {
          tags,
          summary: 'The signed-in staff member, or null',
          response: {
            200: z.object({
              me: meSchema.nullable(),
              passwordResetByEmail: z.boolean(),
              twoFactorEnrolmentRequired: z.boolean(),
            }),
          },
        },
      },
      async (request, reply) => {
        const p = await authenticate(ctx, request, reply, 'staff');
        const me = p?.kind === 'staff' ? presentMe(await ctx.services.users.get(p.userId)) : null;
        return {
          me: me as z.infer<typeof meSchema> | null,
          passwordResetByEmail: ctx.services.accountMail.isAvailable,
          // The app sends such an admin to the enrolment page; the API refuses them everything else.
          twoFactorEnrolmentRequired: p?.kind === 'staff' && ctx.services.twoFactor.mustEnrol(p),
        };
      },
    );

    app.post(
      '/api/staff/login',
      {
        schema: {
          tags,
          summary:
            'Sign in as an agent or admin; with two-factor on, the answer is a challenge for POST /api/staff/login/two-factor',
          querystring: z.object({ next: z.string().max(2000).optional() }),
          body: loginSchema.extend({ transport: z.enum(['cookie', 'bearer']).optional() }),
          response: {
            200: z.union([
              z.object({ me: meSchema, token: z.string().optional(), redirectTo: z.string() }),
              z.object({
                twoFactorRequired: z.literal(true),
                challenge: z.string(),
                expiresAt: z.string(),
                redirectTo: z.string(),
              }),
            ]),
          },
        },
        config: { rateLimit: limits.login },
      },
      async (request, reply) => {
        const result = await ctx.services.auth.login('staff', request.body, requestMeta(request));
        const redirectTo = safeNextPath(request.query.next, '/staff');
        if (result.challenge) {
          return {
            twoFactorRequired: true as const,
            challenge: result.challenge.token,
            expiresAt: new Date(result.challenge.expiresAt).toISOString(),
            redirectTo,
          };
        }
        const extra = deliverSession(ctx, reply, 'staff', result.session, request.body.transport);
        return { me: presentMe(result.user) as z.infer<typeof meSchema>, redirectTo, ...extra };
      },
    );

    app.post(
      '/api/staff/login/two-factor',
      {
        schema: {
          tags,
          summary: 'The second step of a staff sign-in: the challenge and a 6-digit code or a recovery code',
          querystring: z.object({ next: z.string().max(2000).optional() }),
          body: z.strictObject({
            challenge: z.string().min(20).max(200),
            code: z.string().trim().min(6, 'is required').max(40),
            transport: z.enum(['cookie', 'bearer']).optional(),
          }),
          response: { 200: z.object({ me: meSchema, token: z.string().optional(), redirectTo: z.string() }) },
        },
        config: { rateLimit: limits.login, auth: 'public' },
      },
      async (request, reply) => {
        const { user, session } = await ctx.services.auth.completeTwoFactor(request.body, requestMeta(request));
        const extra = deliverSession(ctx, reply, 'staff', session, request.body.transport);
        return {
          me: presentMe(user) as z.infer<typeof meSchema>,
          redirectTo: safeNextPath(request.query.next, '/staff'),
          ...extra,
        };
      },
    );

    app.post(
      '/api/staff/logout',
      { schema: { tags, summary: 'Sign out of the staff side', response: { 200: ok } } },
      async (request, reply) => {
        const p = await authenticate(ctx, request, reply, 'staff');
        if (p) await ctx.services.auth.logout(p, requestMeta(request));
        clearSessionCookie(reply, ctx.config, 'staff');
        return { ok: true as const };
      },
    );

    app.post(
      '/api/staff/logout-everywhere',
      {
        schema: {
          tags,
          summary: 'End every session of this staff account',
          response: { 200: z.object({ ended: z.number() }) },
        },
      },
      async (request, reply) => {
        const p = await requireStaff(ctx, request, reply, { duringEnrolment: true });
        const ended = await ctx.services.auth.logoutEverywhere(p, requestMeta(request));
        clearSessionCookie(reply, ctx.config, 'staff');
        return { ended };
      },
    );

    app.post(
      '/api/staff/password',
      {
        schema: {
          tags,
          summary: 'Change your password (ends your other sessions)',
          body: changePasswordSchema,
          response: { 200: ok },
        },
      },
      async (request, reply) => {
        const p = await requireStaff(ctx, request, reply, { duringEnrolment: true });
        const issued = await ctx.services.auth.changePassword(p, request.body, requestMeta(request));
        setSessionCookie(reply, ctx.config, 'staff', issued.token, issued.expiresAt, ctx.clock.now());
        return { ok: true as const };
      },
    );

    registerPasswordResetRoutes(app, ctx, { prefix: '/api/staff/password-reset', side: 'staff', tags });
  },
};
