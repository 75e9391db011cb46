/**
 * Routing on the wire: teams, agents' availability and capacity, transfers. Shared by the server and the staff app.
 */
import { z } from 'zod';

export type TeamMode = 'pooled' | 'auto';
export type Availability = 'online' | 'away';

export const TEAM_MODES = ['pooled', 'auto'] as const;
export const AVAILABILITIES = ['online', 'away'] as const;

export interface TeamMemberView {
  userId: string;
  name: string;
  availability: Availability;
}

export interface TeamView {
  id: string;
  name: string;
  /** pooled: the team's queue, agents pick; auto: round robin over available agents under capacity. */
  mode: TeamMode;
  members: TeamMemberView[];
  topics: { id: string; label: string }[];
}

/** A staff member as routing sees them (admins' agent list, the transfer picker). */
export interface AgentView {
  userId: string;
  name: string;
  role: 'agent' | 'admin';
  jobTitle: string;
  availability: Availability;
  /** Most open conversations automatic assignment gives them; null: no limit. */
  capacity: number | null;
  /** Open conversations they are in now. */
  load: number;
  /** A desk open right now (on any instance). */
  connected: boolean;
  teams: { id: string; name: string }[];
}

/** The signed-in staff member's own routing state (the desk's availability switch). */
export interface MyRoutingView {
  availability: Availability;
  capacity: number | null;
  load: number;
  teams: { id: string; name: string; mode: TeamMode }[];
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

const idSchema = z.string().min(1).max(64);

export const pageQuerySchema = z.strictObject({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(25),
  search: z.string().trim().max(100).optional(),
});

export const teamInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(60, 'must be at most 60 characters'),
  mode: z.enum(TEAM_MODES).default('pooled'),
});

export const teamMembersSchema = z.strictObject({
  userIds: z.array(idSchema).max(500),
});

export const availabilityInputSchema = z.strictObject({
  availability: z.enum(AVAILABILITIES),
});

/** Admins: an agent's capacity (null: no limit) and, optionally, their availability. */
export const agentProfileInputSchema = z.strictObject({
  capacity: z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100').nullable().optional(),
  availability: z.enum(AVAILABILITIES).optional(),
});

export const transferInputSchema = z.strictObject({
  to: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('agent'), id: idSchema }),
    z.strictObject({ type: z.literal('team'), id: idSchema }),
  ]),
});
export type TransferInput = z.output<typeof transferInputSchema>;
