import { z } from 'zod';
import { requestMeta } from '../auth/authenticate.js';
import { requireAdmin, requireStaff } from '../auth/guards.js';
import type { RouteModule } from './route-module.js';

const tags = ['staff accounts'];
const status = z.object({
  enabled: z.boolean(),
  enabledAt: z.string().nullable(),
  recoveryCodesLeft: z.number(),
  enrolmentRequired: z.boolean(),
});
const passwordBody = z.strictObject({ password: z.string().min(1, 'is required').max(256) });
const codes = z.object({ recoveryCodes: z.array(z.string()) });

/** Staff two-factor sign-in: enrolment with a QR code, recovery codes, turning it off; an admin's reset. */
export const twoFactorRoutes: RouteModule = {
  name: 'two-factor',
  sides: ['staff'],
  register(app, ctx) {
    const duringEnrolment = { duringEnrolment: true };

    app.get(
      '/api/staff/two-factor',
      { schema: { tags, summary: 'Whether two-factor sign-in is on for you', response: { 200: status } } },
      async (request, reply) => {
        const p = await requireStaff(ctx, request, reply, duringEnrolment);
        const s = await ctx.services.twoFactor.status(p);
        return { ...s, enabledAt: s.enabledAt === null ? null : new Date(s.enabledAt).toISOString() };
      },
    );

    app.post(
      '/api/staff/two-factor/setup',
      {
        schema: {
          tags,
          summary: 'Start enrolment: a new secret as a QR code (and as text), waiting for a first code',
          response: { 200: z.object({ secret: z.string(), uri: z.string(), qrCode: z.string() }) },
        },
      },
      async (request, reply) => {
        const p = await requireStaff(ctx, request, reply, duringEnrolment);
        return ctx.services.twoFactor.beginEnrolment(p);
      },
    );

    app.post(
      '/api/staff/two-factor/enable',
      {
        schema: {
          tags,
          summary: 'Finish enrolment with a code from the app; answers the recovery codes, shown this once',
          body: z.strictObject({
            code: z
              .string()
              .trim()
              .regex(/^\d{6}$/, 'must be the 6 digits your app shows'),
          }),
          response: { 200: codes },
        },
      },
      async (request, reply) => {
        const p = await requireStaff(ctx, request, reply, duringEnrolment);
        return {
          recoveryCodes: await ctx.services.twoFactor.confirmEnrolment(p, request.body.code, requestMeta(request)),
        };
      },
    );

    app.post(
      '/api/staff/two-factor/recovery-codes',
      {
        schema: {
          tags,
          summary: 'New recovery codes (the old ones stop working); needs your password',
          body: passwordBody,
          response: { 200: codes },
        },
      },
      async (request, reply) => {
        const p = await requireStaff(ctx, request, reply, duringEnrolment);
        return {
          recoveryCodes: await ctx.services.twoFactor.regenerateRecoveryCodes(
            p,
            request.body.password,
            requestMeta(request),
          ),
        };
      },
    );

    app.post(
      '/api/staff/two-factor/disable',
      {
        schema: {
          tags,
          summary: 'Turn two-factor sign-in off; needs your password',
          body: passwordBody,
          response: { 200: z.object({ ok: z.literal(true) }) },
        },
      },
      async (request, reply) => {
        const p = await requireStaff(ctx, request, reply, duringEnrolment);
        await ctx.services.twoFactor.disable(p, request.body.password, requestMeta(request));
        return { ok: true as const };
      },
    );

    app.post(
      '/api/admin/users/:id/two-factor/reset',
      {
        schema: {
          tags: ['admin: users'],
          summary: "Turn a staff member's two-factor off (lost phone, no recovery codes); ends their sessions",
          params: z.object({ id: z.string().min(1).max(100) }),
          response: { 200: z.object({ ok: z.literal(true) }) },
        },
      },
      async (request, reply) => {
        const admin = await requireAdmin(ctx, request, reply);
        const user = await ctx.services.users.get(request.params.id);
        await ctx.services.twoFactor.resetFor(
          { id: admin.userId, name: admin.username, ip: requestMeta(request).ip },
          user,
        );
        return { ok: true as const };
      },
    );
  },
};
