import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  isoDateSchema,
  overrideInputSchema,
  overrideResponseSchema,
  overrideUpdateSchema,
  presetInputSchema,
  weekInputSchema,
  weekResponseSchema,
} from '../../shared/schedule.schemas.js';
import { presentOverride, presentWeek } from '../../modules/schedule/schedule.presenter.js';
import type { StaffPrincipal } from '../../modules/identity/principal.js';
import { requireAdmin } from '../auth/guards.js';
import type { RouteModule } from './index.js';

const dateParams = z.strictObject({ date: isoDateSchema });

const admins = new WeakMap<FastifyRequest, StaffPrincipal>();

/** The signed-in admin's id for `updatedBy` (set by the onRequest guard below, before any validation runs). */
function actorOf(request: FastifyRequest): string | null {
  return admins.get(request)?.userId ?? null;
}

/** Support hours for admins: the weekly schedule, presets, and date overrides. */
export const adminScheduleRoutes: RouteModule = {
  name: 'admin-schedule',
  sides: ['staff'],
  register(app, ctx) {
    const schedule = ctx.services.schedule;
    // onRequest, so an anonymous or non-admin request is refused before its body is even validated.
    app.addHook('onRequest', async (request, reply) => {
      admins.set(request, await requireAdmin(ctx, request, reply));
    });
    // Every successful change is audited with who, what, when and from where.
    app.addHook('onResponse', async (request, reply) => {
      const admin = admins.get(request);
      if (!admin || request.method === 'GET' || reply.statusCode >= 400) return;
      const what = request.routeOptions.url?.includes('overrides')
        ? 'schedule.override_changed'
        : 'schedule.week_changed';
      await ctx.services.audit.record(
        ctx.db,
        { id: admin.userId, name: admin.username, ip: request.ip },
        {
          action: what,
          details: { method: request.method, path: request.routeOptions.url },
        },
      );
    });

    app.get(
      '/api/admin/schedule',
      {
        schema: {
          tags: ['support hours'],
          summary: 'The weekly schedule (times are local to the support timezone)',
          response: { 200: weekResponseSchema },
        },
      },
      async () => presentWeek(await schedule.getWeek(), schedule.timezone),
    );

    app.put(
      '/api/admin/schedule',
      {
        schema: {
          tags: ['support hours'],
          summary: 'Replace the weekly schedule; every day is named, an empty list closes it',
          body: weekInputSchema,
          response: { 200: weekResponseSchema },
        },
      },
      async (request) => presentWeek(await schedule.setWeek(request.body.days, actorOf(request)), schedule.timezone),
    );

    app.post(
      '/api/admin/schedule/preset',
      {
        schema: {
          tags: ['support hours'],
          summary: 'Apply a preset’s hours to the chosen days (the preset’s own days by default)',
          body: presetInputSchema,
          response: { 200: weekResponseSchema },
        },
      },
      async (request) =>
        presentWeek(
          await schedule.applyPreset(request.body.preset, request.body.days, actorOf(request)),
          schedule.timezone,
        ),
    );

    app.get(
      '/api/admin/schedule/overrides',
      {
        schema: {
          tags: ['support hours'],
          summary: 'Date overrides from today (or `from`) on',
          querystring: z.strictObject({ from: isoDateSchema.optional() }),
          response: { 200: z.object({ overrides: z.array(overrideResponseSchema) }) },
        },
      },
      async (request) => ({ overrides: (await schedule.listOverrides(request.query.from)).map(presentOverride) }),
    );

    app.post(
      '/api/admin/schedule/overrides',
      {
        schema: {
          tags: ['support hours'],
          summary: 'Close a date or give it special hours, with a reason visitors see',
          body: overrideInputSchema,
          response: { 201: overrideResponseSchema },
        },
      },
      async (request, reply) => {
        const created = await schedule.createOverride(request.body, actorOf(request));
        return reply.status(201).send(presentOverride(created));
      },
    );

    app.get(
      '/api/admin/schedule/overrides/:date',
      {
        schema: {
          tags: ['support hours'],
          summary: 'One date override',
          params: dateParams,
          response: { 200: overrideResponseSchema },
        },
      },
      async (request) => presentOverride(await schedule.getOverride(request.params.date)),
    );

    app.put(
      '/api/admin/schedule/overrides/:date',
      {
        schema: {
          tags: ['support hours'],
          summary: 'Change a date override (kind, hours, reason)',
          params: dateParams,
          body: overrideUpdateSchema,
          response: { 200: overrideResponseSchema },
        },
      },
      async (request) =>
        presentOverride(await schedule.updateOverride(request.params.date, request.body, actorOf(request))),
    );

    app.delete(
      '/api/admin/schedule/overrides/:date',
      {
        schema: {
          tags: ['support hours'],
          summary: 'Remove a date override; the date follows the weekly schedule again',
          params: dateParams,
        },
      },
      async (request, reply) => {
        await schedule.deleteOverride(request.params.date, actorOf(request));
        return reply.status(204).send();
      },
    );
  },
};
