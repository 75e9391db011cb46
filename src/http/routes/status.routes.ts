import { statusResponseSchema } from '../../shared/schedule.schemas.js';
import { presentStatus } from '../../modules/schedule/schedule.presenter.js';
import type { RouteModule } from './route-module.js';

/** The public support status: what the landing page shows and what the chat uses to say "offline". */
export const statusRoutes: RouteModule = {
  name: 'status',
  sides: ['public', 'staff'],
  register(app, ctx) {
    app.get(
      '/api/status',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['support hours'],
          summary: 'Whether support is available now, why, today’s hours and the next opening (support timezone)',
          description:
            'The same answer conversation creation uses. Pushed live as `status` frames on the `/public` socket ' +
            'namespace at each opening and closing, at local midnight, and whenever the schedule changes.',
          response: { 200: statusResponseSchema },
        },
      },
      async (_request, reply) => {
        void reply.header('cache-control', 'no-store');
        return presentStatus(await ctx.services.schedule.status());
      },
    );
  },
};
