import { z } from 'zod';
import type { RouteModule } from './index.js';

const readiness = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z.object({
    database: z.enum(['ok', 'down']),
    redis: z.enum(['ok', 'degraded', 'not_configured']),
  }),
});

/** Liveness, readiness and metrics, on every listener (load balancers probe each port). */
export const healthRoutes: RouteModule = {
  name: 'health',
  sides: ['public', 'staff'],
  register(app, ctx) {
    app.get(
      '/healthz',
      {
        schema: {
          tags: ['operations'],
          summary: 'Liveness: the process is up',
          response: { 200: z.object({ status: z.literal('ok') }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/readyz',
      {
        schema: {
          tags: ['operations'],
          summary: 'Readiness: 503 when the database is unreachable; Redis trouble is reported but does not fail it',
          response: { 200: readiness, 503: readiness },
        },
      },
      async (_request, reply) => {
        const busStatus = ctx.bus.status();
        const redis = busStatus === 'in-process' ? ('not_configured' as const) : busStatus;
        try {
          await ctx.database.ping(1_000);
          return { status: 'ready' as const, checks: { database: 'ok' as const, redis } };
        } catch {
          void reply.header('retry-after', '1');
          return reply
            .status(503)
            .send({ status: 'unavailable' as const, checks: { database: 'down' as const, redis } });
        }
      },
    );

    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      const body = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(body);
    });
  },
};
