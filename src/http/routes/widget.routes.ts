import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { widgetDistDir } from '../../core/paths.js';
import { contactViewSchema, identifyRequestSchema, siteViewSchema, widgetConfigSchema } from '../../shared/widget.js';
import { authenticate, requestMeta } from '../auth/authenticate.js';
import { requireAdmin } from '../auth/guards.js';
import { httpRateLimits } from '../rate-limits.js';
import type { RouteModule } from './route-module.js';
import { linkOrigin } from '../../core/origins.js';

const siteParams = z.object({ id: z.string().min(1).max(64) });
const siteQuery = z.object({ site: z.string().min(1).max(64) });
const tags = ['widget'];
const adminTags = ['admin: widget'];

/** HTML-escapes text for an attribute value of the frame's shell. */
const attr = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The CSP helmet set for this response, with frame-ancestors replaced (the one thing the frame page changes). */
function withFrameAncestors(reply: FastifyReply, ancestors: string): void {
  const csp = String(reply.getHeader('content-security-policy') ?? '');
  void reply.header('content-security-policy', csp.replace(/frame-ancestors [^;]*/, `frame-ancestors ${ancestors}`));
  // CSP frame-ancestors decides; X-Frame-Options: DENY would refuse every embedding in older browsers.
  reply.removeHeader('x-frame-options');
}

/**
 * The embeddable widget, public side: the loader script (`/widget.js`, included by host pages on any origin), the
 * frame page (`/widget/frame?site=…`, embeddable only by the site's origins), its assets, the configuration the
 * loader reads cross-origin, and identity (a host-signed token turns the frame's visitor into the site's contact).
 */
export const widgetRoutes: RouteModule = {
  name: 'widget',
  sides: ['public'],
  async register(app, ctx) {
    const root = widgetDistDir();
    const read = (name: string) => (existsSync(join(root, name)) ? readFileSync(join(root, name), 'utf8') : undefined);
    const loader = read('widget.js');
    const frameShell = read('frame.html');

    if (existsSync(join(root, 'assets'))) {
      await app.register(fastifyStatic, {
        root: join(root, 'assets'),
        prefix: '/widget/assets/',
        index: false,
        wildcard: false,
        decorateReply: false,
        setHeaders(reply) {
          void reply.header('cache-control', 'public, max-age=31536000, immutable');
        },
      });
    }

    app.get('/widget.js', { schema: { hide: true } }, async (_request, reply) => {
      // Loaded by <script> from other origins: helmet's same-origin resource policy would block it.
      void reply.header('cross-origin-resource-policy', 'cross-origin');
      if (loader === undefined) {
        return reply
          .status(503)
          .type('application/javascript; charset=utf-8')
          .send('console.error("Support Central: the widget is not built on this server (run `npm run build`).");');
      }
      // Not hashed (the snippet names it forever): revalidated, so a new release reaches host pages quickly.
      return reply
        .header('cache-control', 'public, max-age=300, must-revalidate')
        .type('application/javascript; charset=utf-8')
        .send(loader);
    });

    app.get('/widget/frame', { schema: { hide: true, querystring: siteQuery } }, async (request, reply) => {
      const origins = await ctx.services.widget.originsOf(request.query.site);
      if (!origins || origins.length === 0) {
        withFrameAncestors(reply, "'none'");
        return reply
          .status(404)
          .type('text/plain; charset=utf-8')
          .send('There is no widget site with this id. Copy the snippet again from Admin → Widget.');
      }
      withFrameAncestors(reply, origins.join(' '));
      if (frameShell === undefined) {
        return reply.status(503).type('text/plain; charset=utf-8').send('The widget is not built yet (npm run build).');
      }
      // The allowed parents, for the frame's postMessage checks (no inline script: a meta tag the app reads).
      const shell = frameShell.replace(
        '<head>',
        `<head>\n    <meta name="sc-widget-origins" content="${attr(origins.join(' '))}" />`,
      );
      return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(shell);
    });

    app.get(
      '/api/widget/config',
      {
        schema: {
          tags,
          summary: 'A widget site’s appearance, availability, and whether the asking page’s origin may embed it',
          description:
            'Read by the loader on the host page (cross-origin, so it answers any origin: nothing here is secret). ' +
            '`allowed` is judged from the request’s Origin header; a refused origin gets `refusal`, which the loader ' +
            'prints in the host page’s console.',
          querystring: siteQuery,
          response: { 200: widgetConfigSchema },
        },
      },
      async (request, reply) => {
        void reply.header('access-control-allow-origin', '*');
        void reply.header('cache-control', 'no-store');
        void reply.header('cross-origin-resource-policy', 'cross-origin');
        const origin = typeof request.headers.origin === 'string' ? request.headers.origin : undefined;
        return ctx.services.widget.config(request.query.site, origin);
      },
    );

    app.post(
      '/api/widget/identify',
      {
        schema: {
          tags,
          summary: 'Become the host site’s signed-in user (a token the site signed); answers a bearer token',
          body: identifyRequestSchema,
          response: {
            200: z.object({
              /** The new session's bearer token; null when this session is that contact already (keep it). */
              token: z.string().nullable(),
              me: z.object({ kind: z.literal('visitor'), id: z.string(), displayName: z.string() }),
              contact: contactViewSchema,
            }),
          },
        },
        config: { rateLimit: httpRateLimits(ctx.config).login },
      },
      async (request, reply) => {
        const current = await authenticate(ctx, request, reply, 'public');
        const publicCurrent = current?.kind === 'visitor' || current?.kind === 'customer' ? current : undefined;
        const { issued, contact } = await ctx.services.widget.identify(
          request.body.site,
          request.body.token,
          publicCurrent,
          requestMeta(request),
        );
        const visitorId = issued?.visitorId ?? (publicCurrent?.kind === 'visitor' ? publicCurrent.visitorId : '');
        return {
          token: issued?.token ?? null,
          me: { kind: 'visitor' as const, id: visitorId!, displayName: contact.name ?? 'Visitor' },
          contact,
        };
      },
    );

    app.get(
      '/api/widget/me',
      {
        schema: {
          tags,
          summary: 'The host site’s contact this visitor session was identified as (null when anonymous)',
          response: { 200: z.object({ contact: contactViewSchema.nullable() }) },
        },
      },
      async (request, reply) => {
        const p = await authenticate(ctx, request, reply, 'public');
        return { contact: await ctx.services.widget.contactOf(p?.kind === 'staff' ? undefined : p) };
      },
    );
  },
};

/** Admins: the sites allowed to embed the widget, their origins and identity secrets. */
export const adminWidgetRoutes: RouteModule = {
  name: 'admin-widget',
  sides: ['staff'],
  register(app, ctx) {
    const actorOf = async (request: Parameters<typeof requestMeta>[0], reply: Parameters<typeof requireAdmin>[2]) => {
      const admin = await requireAdmin(ctx, request, reply);
      return { id: admin.userId, name: admin.username, ip: requestMeta(request).ip };
    };
    const withSecret = z.object({ site: siteViewSchema, secret: z.string() });

    app.get(
      '/api/admin/widget/sites',
      {
        schema: {
          tags: adminTags,
          summary: 'The sites allowed to embed the widget, and the loader’s address for the snippet',
          response: { 200: z.object({ sites: z.array(siteViewSchema), scriptUrl: z.string() }) },
        },
      },
      async (request, reply) => {
        await requireAdmin(ctx, request, reply);
        return {
          sites: await ctx.services.widget.listSites(),
          scriptUrl: `${linkOrigin(ctx.config, request.raw, 'public')}/widget.js`,
        };
      },
    );

    app.post(
      '/api/admin/widget/sites',
      {
        schema: {
          tags: adminTags,
          summary: 'Allow a site (its origins) to embed the widget; answers its identity secret, once',
          body: z.unknown(),
          response: { 201: withSecret },
        },
      },
      async (request, reply) => {
        const actor = await actorOf(request, reply);
        return reply.status(201).send(await ctx.services.widget.createSite(actor, request.body));
      },
    );

    app.put(
      '/api/admin/widget/sites/:id',
      {
        schema: {
          tags: adminTags,
          summary: 'Rename a site or change its origins',
          params: siteParams,
          body: z.unknown(),
          response: { 200: z.object({ site: siteViewSchema }) },
        },
      },
      async (request, reply) => {
        const actor = await actorOf(request, reply);
        return { site: await ctx.services.widget.updateSite(actor, request.params.id, request.body) };
      },
    );

    app.post(
      '/api/admin/widget/sites/:id/rotate-secret',
      {
        schema: {
          tags: adminTags,
          summary: 'Replace a site’s identity secret (the old one stops working at once); answers it, once',
          params: siteParams,
          response: { 200: withSecret },
        },
      },
      async (request, reply) => {
        const actor = await actorOf(request, reply);
        return ctx.services.widget.rotateSecret(actor, request.params.id);
      },
    );

    app.delete(
      '/api/admin/widget/sites/:id',
      {
        schema: {
          tags: adminTags,
          summary: 'Remove a site: its pages can no longer embed the widget; its signed-in contacts are signed out',
          params: siteParams,
          response: { 200: z.object({ ok: z.literal(true) }) },
        },
      },
      async (request, reply) => {
        const actor = await actorOf(request, reply);
        await ctx.services.widget.deleteSite(actor, request.params.id);
        return { ok: true as const };
      },
    );
  },
};
