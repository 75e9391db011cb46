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
import { changesBetween, type AuditEntryInput } from '../../modules/audit/audit.service.js';
import { presentOverride, presentWeek } from '../../modules/schedule/schedule.presenter.js';
import type { StaffPrincipal } from '../../modules/identity/principal.js';
import { requireAdmin } from '../auth/guards.js';
import type { RouteModule } from './route-module.js';

const dateParams = z.strictObject({ date: isoDateSchema });

const admins = new WeakMap<FastifyRequest, StaffPrincipal>();
/** What a successful change did, set by its handler and written to the audit log once the answer went out. */
const audited = new WeakMap<FastifyRequest, AuditEntryInput>();

type IntervalsText = { start: string; end: string }[];
/** Hours as an admin reads them: "09:00–16:30, 18:00–20:00", or "closed". */
const hoursText = (intervals: IntervalsText) =>
  intervals.length === 0 ? 'closed' : intervals.map((i) => `${i.start}–${i.end}`).join(', ');
const daysText = (days: Record<string, IntervalsText>) =>
  Object.fromEntries(Object.entries(days).map(([day, intervals]) => [day, hoursText(intervals)]));

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
    // Every successful change is audited with who, what, when and from where, before the answer goes out (so an
    // admin who reads the audit log right after a change finds it there).
    app.addHook('onSend', async (request, reply, payload) => {
      const admin = admins.get(request);
      const entry = audited.get(request);
      if (admin && entry && reply.statusCode < 400) {
        audited.delete(request);
        await ctx.services.audit.record(ctx.db, { id: admin.userId, name: admin.username, ip: request.ip }, entry);
      }
      return payload;
    });
    /** The weekly schedule before and after a change, per weekday in words (only the days that changed). */
    const weekChange = async (change: () => Promise<Awaited<ReturnType<typeof schedule.getWeek>>>) => {
      const before = presentWeek(await schedule.getWeek(), schedule.timezone);
      const after = presentWeek(await change(), schedule.timezone);
      return { after, changes: changesBetween(daysText(before.days), daysText(after.days)) };
    };

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
      async (request) => {
        const { after, changes } = await weekChange(() => schedule.setWeek(request.body.days, actorOf(request)));
        audited.set(request, { action: 'schedule.week_changed', details: { changes } });
        return after;
      },
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
      async (request) => {
        const { after, changes } = await weekChange(() =>
          schedule.applyPreset(request.body.preset, request.body.days, actorOf(request)),
        );
        audited.set(request, {
          action: 'schedule.week_changed',
          details: { preset: request.body.preset, changes },
        });
        return after;
      },
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
        const created = presentOverride(await schedule.createOverride(request.body, actorOf(request)));
        audited.set(request, {
          action: 'schedule.override_created',
          target: { type: 'date', id: created.date, name: created.date },
          details: { kind: created.kind, hours: hoursText(created.intervals), reason: created.reason },
        });
        return reply.status(201).send(created);
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
      async (request) => {
        const before = presentOverride(await schedule.getOverride(request.params.date));
        const after = presentOverride(
          await schedule.updateOverride(request.params.date, request.body, actorOf(request)),
        );
        const facts = (o: typeof before) => ({ kind: o.kind, hours: hoursText(o.intervals), reason: o.reason });
        audited.set(request, {
          action: 'schedule.override_updated',
          target: { type: 'date', id: after.date, name: after.date },
          details: { changes: changesBetween(facts(before), facts(after)) },
        });
        return after;
      },
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
        const before = presentOverride(await schedule.getOverride(request.params.date));
        await schedule.deleteOverride(request.params.date, actorOf(request));
        audited.set(request, {
          action: 'schedule.override_deleted',
          target: { type: 'date', id: before.date, name: before.date },
          details: { kind: before.kind, hours: hoursText(before.intervals), reason: before.reason },
        });
        return reply.status(204).send();
      },
    );
  },
};
