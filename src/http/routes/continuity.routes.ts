import { z } from 'zod';
import { emailSchema } from '../../shared/identity.schemas.js';
import { requestMeta } from '../auth/authenticate.js';
import { requirePublicPrincipal } from '../auth/guards.js';
import { httpRateLimits } from '../rate-limits.js';
import { deliverSession } from './public-auth.routes.js';
import type { RouteModule } from './route-module.js';

const tags = ['offline continuity'];

/** Coming back from an e-mail (resume link) and taking the transcript along (transcript by e-mail). */
export const continuityRoutes: RouteModule = {
  name: 'continuity',
  sides: ['public'],
  register(app, ctx) {
    const limits = httpRateLimits(ctx.config);

    app.post(
      '/api/conversations/resume',
      {
        schema: {
          tags,
          summary: 'Reopen a conversation from the link in a reply e-mail (single use, 7 days)',
          description:
            'Spends the token from the link’s fragment and starts a visitor session for the conversation’s ' +
            'visitor (a cookie, or a bearer token with `transport: "bearer"`). A used, expired or unknown token is ' +
            '`token_invalid` and issues nothing; a conversation that belongs to a customer account answers ' +
            '`sign_in_required`.',
          body: z.strictObject({ token: z.string().max(200), transport: z.enum(['cookie', 'bearer']).optional() }),
          response: { 200: z.object({ conversationId: z.string(), token: z.string().optional() }) },
        },
        config: { rateLimit: limits.visitorSession, auth: 'public' },
      },
      async (request, reply) => {
        const { conversationId, session } = await ctx.services.resume.resume(request.body.token, requestMeta(request));
        const extra = deliverSession(ctx, reply, 'public', session, request.body.transport);
        return { conversationId, ...extra };
      },
    );

    app.post(
      '/api/conversations/:id/transcript',
      {
        schema: {
          tags,
          summary: 'E-mail the transcript of an ended conversation (no private notes; at most 3 times)',
          description:
            'For the conversation’s visitor or customer, once it is closed or left. Sent to `email`, or to the ' +
            'address given when the conversation started.',
          params: z.object({ id: z.string().min(1).max(64) }),
          body: z.strictObject({ email: emailSchema.optional() }),
          response: { 200: z.object({ sentTo: z.string() }) },
        },
        config: { rateLimit: limits.conversation },
      },
      async (request, reply) => {
        const principal = await requirePublicPrincipal(ctx, request, reply);
        return ctx.services.transcripts.send(principal, request.params.id, request.body.email);
      },
    );
  },
};
