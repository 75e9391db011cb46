import { z } from 'zod';
import {
  applyLabelSchema,
  csatInputSchema,
  LABEL_COLORS,
  labelInputSchema,
  REPORT_SECTIONS,
  reportQuerySchema,
  searchQuerySchema,
  snoozeInputSchema,
} from '../../shared/desk-tools.js';
import { requestMeta } from '../auth/authenticate.js';
import { requireAdmin, requirePublicPrincipal, requireStaff } from '../auth/guards.js';
import { httpRateLimits } from '../rate-limits.js';
import type { RouteModule } from './route-module.js';

const idParams = z.object({ id: z.string().min(1).max(64) });
const labelView = z.object({ id: z.string(), name: z.string(), color: z.enum(LABEL_COLORS) });
const labelsBody = z.object({ labels: z.array(labelView) });
const snoozeView = z.object({
  since: z.string(),
  until: z.string().nullable(),
  by: z.object({ userId: z.string().nullable(), name: z.string() }),
});
const csatView = z.object({
  rating: z.number(),
  comment: z.string().nullable(),
  submittedAt: z.string(),
  updatedAt: z.string(),
});
const publicCsatState = z.object({
  open: z.boolean(),
  csat: csatView.nullable(),
  editableUntil: z.string().nullable(),
});
const ok = z.object({ ok: z.literal(true) });

/**
 * The desk's tools on the staff side (issue 15, part B): the label list and labels on conversations, snooze,
 * a conversation's rating, search, and Admin → Reports.
 */
export const deskToolRoutes: RouteModule = {
  name: 'desk-tools',
  sides: ['staff'],
  register(app, ctx) {
    const { labels, snooze, csat, search, reports } = ctx.services;
    const adminActor = async (
      request: Parameters<typeof requestMeta>[0],
      reply: Parameters<typeof requireAdmin>[2],
    ) => {
      const admin = await requireAdmin(ctx, request, reply);
      return { id: admin.userId, name: admin.username, ip: requestMeta(request).ip };
    };

    // Labels: the admin-managed list.
    app.get(
      '/api/staff/labels',
      { schema: { tags: ['staff: labels'], summary: 'Every label (any staff member)', response: { 200: labelsBody } } },
      async (request, reply) => {
        await requireStaff(ctx, request, reply);
        return { labels: await labels.list() };
      },
    );
    app.post(
      '/api/admin/labels',
      {
        schema: {
          tags: ['admin: labels'],
          summary: 'Create a label (audited)',
          body: labelInputSchema,
          response: { 201: labelView },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await labels.create(await adminActor(request, reply), request.body)),
    );
    app.put(
      '/api/admin/labels/:id',
      {
        schema: {
          tags: ['admin: labels'],
          summary: 'Rename or recolour a label (audited)',
          params: idParams,
          body: labelInputSchema,
          response: { 200: labelView },
        },
      },
      async (request, reply) => labels.update(await adminActor(request, reply), request.params.id, request.body),
    );
    app.delete(
      '/api/admin/labels/:id',
      {
        schema: {
          tags: ['admin: labels'],
          summary: 'Delete a label: it comes off every conversation (audited)',
          params: idParams,
          response: { 200: ok },
        },
      },
      async (request, reply) => {
        await labels.remove(await adminActor(request, reply), request.params.id);
        return { ok: true as const };
      },
    );

    // Labels on a conversation: any staff member (staff may read every conversation).
    app.get(
      '/api/staff/conversations/:id/labels',
      {
        schema: {
          tags: ['staff: labels'],
          summary: 'The labels of a conversation',
          params: idParams,
          response: { 200: labelsBody },
        },
      },
      async (request, reply) => ({
        labels: await labels.ofConversation(await requireStaff(ctx, request, reply), request.params.id),
      }),
    );
    app.post(
      '/api/staff/conversations/:id/labels',
      {
        schema: {
          tags: ['staff: labels'],
          summary: 'Put a label on a conversation (idempotent); answers its labels',
          params: idParams,
          body: applyLabelSchema,
          response: { 200: labelsBody },
        },
      },
      async (request, reply) => ({
        labels: await labels.apply(await requireStaff(ctx, request, reply), request.params.id, request.body.labelId),
      }),
    );
    app.delete(
      '/api/staff/conversations/:id/labels/:labelId',
      {
        schema: {
          tags: ['staff: labels'],
          summary: 'Take a label off a conversation; answers its labels',
          params: idParams.extend({ labelId: z.string().min(1).max(64) }),
          response: { 200: labelsBody },
        },
      },
      async (request, reply) => ({
        labels: await labels.takeOff(
          await requireStaff(ctx, request, reply),
          request.params.id,
          request.params.labelId,
        ),
      }),
    );

    // Snooze.
    app.get(
      '/api/staff/conversations/:id/snooze',
      {
        schema: {
          tags: ['staff: snooze'],
          summary: 'Whether a conversation is snoozed, until when, by whom',
          params: idParams,
          response: { 200: z.object({ snooze: snoozeView.nullable() }) },
        },
      },
      async (request, reply) => ({
        snooze: await snooze.get(await requireStaff(ctx, request, reply), request.params.id),
      }),
    );
    app.put(
      '/api/staff/conversations/:id/snooze',
      {
        schema: {
          tags: ['staff: snooze'],
          summary: 'Snooze an active conversation until a time and/or until the visitor writes (its agents, admins)',
          description:
            'The conversation stays `active` for the visitor; it leaves the agent’s "mine" list until it wakes: at ' +
            '`until` (at most 30 days ahead), when the visitor writes, or when an agent wakes it. Without `until` it ' +
            'sleeps until the visitor writes. Refused with `snooze_not_allowed` unless active.',
          params: idParams,
          body: snoozeInputSchema,
          response: { 200: z.object({ snooze: snoozeView }) },
        },
      },
      async (request, reply) => {
        const staff = await requireStaff(ctx, request, reply);
        const until = request.body.until ? Date.parse(request.body.until) : null;
        return { snooze: await snooze.snooze(staff, request.params.id, until) };
      },
    );
    app.delete(
      '/api/staff/conversations/:id/snooze',
      {
        schema: {
          tags: ['staff: snooze'],
          summary: 'Wake a snoozed conversation now (its agents, admins)',
          params: idParams,
          response: { 200: ok },
        },
      },
      async (request, reply) => {
        await snooze.unsnooze(await requireStaff(ctx, request, reply), request.params.id);
        return { ok: true as const };
      },
    );

    // The visitor's rating, as staff see it.
    app.get(
      '/api/staff/conversations/:id/csat',
      {
        schema: {
          tags: ['staff: satisfaction'],
          summary: 'The visitor’s rating of a conversation (1–5, optional comment), if any',
          params: idParams,
          response: { 200: z.object({ csat: csatView.nullable() }) },
        },
      },
      async (request, reply) => ({
        csat: await csat.staffView(await requireStaff(ctx, request, reply), request.params.id),
      }),
    );

    app.get(
      '/api/staff/search',
      {
        schema: {
          tags: ['staff: search'],
          summary: 'Search conversations by text, contact, status, agent, label and date (paged by cursor)',
          description:
            'Filters run in the database; `text` is matched against decrypted messages and notes, newest ' +
            'conversations first, at most 200 conversations per request: a page may come back short with a ' +
            '`nextCursor` to search further. Dates are local dates in the support timezone. Conversations past ' +
            'the retention period are left out.',
          querystring: searchQuerySchema,
        },
      },
      async (request, reply) => search.search(await requireStaff(ctx, request, reply), request.query),
    );

    // Admin → Reports.
    app.get(
      '/api/admin/reports',
      {
        schema: {
          tags: ['admin: reports'],
          summary: 'Volumes, response and resolution percentiles, CSAT by agent and team, workload (local dates)',
          querystring: reportQuerySchema,
        },
      },
      async (request, reply) => {
        await requireAdmin(ctx, request, reply);
        return reports.report(request.query.from, request.query.to);
      },
    );
    app.get(
      '/api/admin/reports/csv/:section',
      {
        schema: {
          tags: ['admin: reports'],
          summary: 'One section of the report as CSV (durations in seconds)',
          params: z.object({ section: z.enum(REPORT_SECTIONS) }),
          querystring: reportQuerySchema,
        },
      },
      async (request, reply) => {
        await requireAdmin(ctx, request, reply);
        const { from, to } = request.query;
        const body = await reports.csv(from, to, request.params.section);
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="report-${request.params.section}-${from}-${to}.csv"`)
          .header('cache-control', 'no-store')
          .send(body);
      },
    );
  },
};

/** The visitor's (or customer's) side of satisfaction ratings. */
export const csatRoutes: RouteModule = {
  name: 'csat',
  sides: ['public'],
  register(app, ctx) {
    const tags = ['conversations'];
    app.get(
      '/api/conversations/:id/csat',
      {
        schema: {
          tags,
          summary: 'Whether this conversation may be rated, its rating, and until when it may be changed',
          params: idParams,
          response: { 200: publicCsatState },
        },
      },
      async (request, reply) =>
        ctx.services.csat.publicState(await requirePublicPrincipal(ctx, request, reply), request.params.id),
    );
    app.put(
      '/api/conversations/:id/csat',
      {
        schema: {
          tags,
          summary: 'Rate an ended conversation 1–5 with an optional comment (once; changeable for a short while)',
          description:
            'For the conversation’s visitor or customer once it is closed or left (`csat_not_open` before, or while ' +
            'ratings are off). The rating may be changed for `csat.editMinutes` after the first one, then ' +
            '`csat_locked`.',
          params: idParams,
          body: csatInputSchema,
          response: { 200: publicCsatState },
        },
        config: { rateLimit: httpRateLimits(ctx.config).conversation },
      },
      async (request, reply) =>
        ctx.services.csat.submit(await requirePublicPrincipal(ctx, request, reply), request.params.id, request.body),
    );
  },
};
