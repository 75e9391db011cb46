import { z } from 'zod';
import type { AppContext } from '../../core/context.js';
import { passwordResetConfirmSchema, passwordResetRequestSchema } from '../../shared/identity.schemas.js';
import { requestMeta } from '../auth/authenticate.js';
import { httpRateLimits } from '../rate-limits.js';
import type { TypedApp } from './route-module.js';
import { linkOrigin } from '../../core/origins.js';

const ok = z.object({ ok: z.literal(true) });

/**
 * Password reset by e-mail for one side: `<prefix>/request` (the same 202 whether or not the address has an
 * account of that side) and `<prefix>/confirm` (single-use token from the link). Both are rate-limited per IP.
 */
export function registerPasswordResetRoutes(
  app: TypedApp,
  ctx: AppContext,
  options: { prefix: string; side: 'customer' | 'staff'; tags: string[] },
): void {
  const limit = httpRateLimits(ctx.config).passwordReset;
  const who = options.side === 'staff' ? 'staff ' : '';
  app.post(
    `${options.prefix}/request`,
    {
      schema: {
        tags: options.tags,
        summary: `E-mail a ${who}password reset link (same answer whether or not the address has an account)`,
        body: passwordResetRequestSchema,
        response: { 202: ok },
      },
      config: { rateLimit: limit, auth: 'public' },
    },
    async (request, reply) => {
      const origin = linkOrigin(ctx.config, request.raw, options.side === 'staff' ? 'staff' : 'public');
      await ctx.services.accountMail.requestPasswordReset(options.side, request.body.email, origin);
      return reply.status(202).send({ ok: true as const });
    },
  );
  app.post(
    `${options.prefix}/confirm`,
    {
      schema: {
        tags: options.tags,
        summary: `Set a new ${who}password with a reset token`,
        body: passwordResetConfirmSchema,
        response: { 200: ok },
      },
      config: { rateLimit: limit, auth: 'public' },
    },
    async (request) => {
      await ctx.services.accountMail.confirmPasswordReset(
        request.body.token,
        request.body.newPassword,
        requestMeta(request),
      );
      return { ok: true as const };
    },
  );
}
