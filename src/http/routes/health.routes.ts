import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import type { RouteModule } from './route-module.js';

const readiness = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z.object({
    database: z.enum(['ok', 'down']),
    redis: z.enum(['ok', 'degraded', 'not_configured']),
  }),
});

/** Liveness and readiness, on every listener (load balancers probe each port). */
export const healthRoutes: RouteModule = {
  name: 'health',
  sides: ['public', 'staff'],
  register(app, ctx) {
    app.get(
      '/healthz',
      {
        config: { auth: 'public' },
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
        config: { auth: 'public' },
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
  },
};

/** `Bearer <token>` compared in constant time (hashes of equal length, whatever was sent). */
function hasToken(header: string | undefined, token: string): boolean {
  const sent = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(sent), digest(token));
}

/**
 * Prometheus metrics are for the operator's scraper, never the internet: with STAFF_PORT they are served on the
 * staff listener only (an internal network); on a single port only when METRICS_TOKEN is set, behind that token
 * (which the staff listener requires too when it is set). Elsewhere `/metrics` is a plain 404.
 */
export const metricsRoutes: RouteModule = {
  name: 'metrics',
  sides: ['staff'],
  register(app, ctx) {
    const { metricsToken, staffPort } = ctx.config;
    if (staffPort === undefined && metricsToken === undefined) return;
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (metricsToken !== undefined && !hasToken(request.headers.authorization, metricsToken)) {
        void reply.header('www-authenticate', 'Bearer');
        throw new AppError('unauthenticated', 'This endpoint needs the METRICS_TOKEN bearer token.');
      }
      const body = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(body);
    });
  },
};
