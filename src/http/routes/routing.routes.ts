import { z } from 'zod';
import {
  agentProfileInputSchema,
  availabilityInputSchema,
  pageQuerySchema,
  teamInputSchema,
  teamMembersSchema,
  transferInputSchema,
} from '../../shared/routing.js';
import { requestMeta } from '../auth/authenticate.js';
import { requireAdmin, requireStaff } from '../auth/guards.js';
import type { RouteModule } from './route-module.js';

const idParams = z.object({ id: z.string().min(1).max(64) });
const ok = z.object({ ok: z.literal(true) });
const availability = z.enum(['online', 'away']);
const teamRef = z.object({ id: z.string(), name: z.string() });
const teamView = z.object({
  id: z.string(),
  name: z.string(),
  mode: z.enum(['pooled', 'auto']),
  members: z.array(z.object({ userId: z.string(), name: z.string(), availability })),
  topics: z.array(z.object({ id: z.string(), label: z.string() })),
});
const agentView = z.object({
  userId: z.string(),
  name: z.string(),
  role: z.enum(['agent', 'admin']),
  jobTitle: z.string(),
  availability,
  capacity: z.number().nullable(),
  load: z.number(),
  connected: z.boolean(),
  teams: z.array(teamRef),
});
const myRouting = z.object({
  availability,
  capacity: z.number().nullable(),
  load: z.number(),
  teams: z.array(teamRef.extend({ mode: z.enum(['pooled', 'auto']) })),
});
const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number(), page: z.number(), pageSize: z.number() });

/**
 * Routing: a staff member's own availability, the teams and agents (the transfer picker), transfers; admins manage
 * teams, their members and each agent's capacity (every change audited).
 */
export const routingRoutes: RouteModule = {
  name: 'routing',
  sides: ['staff'],
  register(app, ctx) {
    const tags = ['staff: routing'];
    const adminTags = ['admin: teams'];
    const { teams, assignment } = ctx.services;
    const adminActor = async (
      request: Parameters<typeof requestMeta>[0],
      reply: Parameters<typeof requireAdmin>[2],
    ) => {
      const admin = await requireAdmin(ctx, request, reply);
      return { id: admin.userId, name: admin.username, ip: requestMeta(request).ip };
    };

    app.get(
      '/api/staff/me/routing',
      { schema: { tags, summary: 'My availability, capacity, load and teams', response: { 200: myRouting } } },
      async (request, reply) => teams.myRouting(await requireStaff(ctx, request, reply)),
    );
    app.put(
      '/api/staff/me/availability',
      {
        schema: {
          tags,
          summary: 'Set myself online or away (away: no new chats, not counted as an agent online)',
          body: availabilityInputSchema,
          response: { 200: myRouting },
        },
      },
      async (request, reply) =>
        teams.setMyAvailability(await requireStaff(ctx, request, reply), request.body.availability),
    );
    app.get(
      '/api/staff/agents',
      {
        schema: {
          tags,
          summary: 'Active agents and admins with availability, load and teams (paged; the transfer picker)',
          querystring: pageQuerySchema,
          response: { 200: page(agentView) },
        },
      },
      async (request, reply) => {
        await requireStaff(ctx, request, reply);
        return teams.listAgents(request.query);
      },
    );
    app.get(
      '/api/staff/teams',
      {
        schema: {
          tags,
          summary: 'Teams with their mode, members and topics (paged)',
          querystring: pageQuerySchema,
          response: { 200: page(teamView) },
        },
      },
      async (request, reply) => {
        await requireStaff(ctx, request, reply);
        return teams.listTeams(request.query);
      },
    );
    app.post(
      '/api/staff/conversations/:id/transfer',
      {
        schema: {
          tags: ['staff: conversations'],
          summary: 'Transfer to a named agent or a team, with a system line (its agents or an admin)',
          params: idParams,
          body: transferInputSchema,
        },
      },
      async (request, reply) =>
        assignment.transfer(await requireStaff(ctx, request, reply), request.params.id, request.body),
    );

    // Admins
    app.post(
      '/api/admin/teams',
      { schema: { tags: adminTags, summary: 'Create a team', body: teamInputSchema, response: { 201: teamView } } },
      async (request, reply) =>
        reply.status(201).send(await teams.createTeam(await adminActor(request, reply), request.body)),
    );
    app.put(
      '/api/admin/teams/:id',
      {
        schema: {
          tags: adminTags,
          summary: 'Rename a team or change its mode (pooled or auto-assignment)',
          params: idParams,
          body: teamInputSchema,
          response: { 200: teamView },
        },
      },
      async (request, reply) => teams.updateTeam(await adminActor(request, reply), request.params.id, request.body),
    );
    app.delete(
      '/api/admin/teams/:id',
      {
        schema: {
          tags: adminTags,
          summary: 'Delete a team (its topics and waiting conversations go to the general queue)',
          params: idParams,
          response: { 200: ok },
        },
      },
      async (request, reply) => {
        await teams.deleteTeam(await adminActor(request, reply), request.params.id);
        return { ok: true as const };
      },
    );
    app.put(
      '/api/admin/teams/:id/members',
      {
        schema: {
          tags: adminTags,
          summary: 'Set a team’s members (active agents and admins)',
          params: idParams,
          body: teamMembersSchema,
          response: { 200: teamView },
        },
      },
      async (request, reply) =>
        teams.setMembers(await adminActor(request, reply), request.params.id, request.body.userIds),
    );
    app.put(
      '/api/admin/agents/:id',
      {
        schema: {
          tags: adminTags,
          summary: 'Set an agent’s capacity (max concurrent chats for auto-assignment; null: no limit) or availability',
          params: idParams,
          body: agentProfileInputSchema,
          response: { 200: agentView },
        },
      },
      async (request, reply) => teams.updateAgent(await adminActor(request, reply), request.params.id, request.body),
    );
  },
};
