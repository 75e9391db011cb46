import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type {
  AgentAvailability,
  AgentProfilesTable,
  ConversationRoutingTable,
  TeamMembersTable,
  TeamMode,
  TeamsTable,
} from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';

type Q = Db | Tx;
export type TeamRow = TeamsTable;
export type TeamMemberRow = TeamMembersTable;
export type AgentProfileRow = AgentProfilesTable;
export type RoutingRow = ConversationRoutingTable;

const OPEN = ['waiting', 'active'] as const;

// Teams

export function listTeams(db: Q, options: { limit: number; offset: number; search?: string }): Promise<TeamRow[]> {
  let query = db.selectFrom('teams').selectAll().orderBy('nameKey').orderBy('id');
  if (options.search) query = query.where('nameKey', 'like', likePattern(options.search));
  return query.limit(options.limit).offset(options.offset).execute();
}

export async function countTeams(db: Q, search?: string): Promise<number> {
  let query = db.selectFrom('teams').select((eb) => eb.fn.countAll<number>().as('n'));
  if (search) query = query.where('nameKey', 'like', likePattern(search));
  return Number((await query.executeTakeFirstOrThrow()).n);
}

export function findTeam(db: Q, id: string): Promise<TeamRow | undefined> {
  return db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findTeamByNameKey(db: Q, nameKey: string): Promise<TeamRow | undefined> {
  return db.selectFrom('teams').selectAll().where('nameKey', '=', nameKey).executeTakeFirst();
}

export function insertTeam(db: Q, row: TeamRow): Promise<unknown> {
  return db.insertInto('teams').values(row).execute();
}

export function updateTeam(
  db: Q,
  id: string,
  changes: { name: string; nameKey: string; mode: TeamMode; updatedAt: number },
) {
  return db.updateTable('teams').set(changes).where('id', '=', id).execute();
}

export function deleteTeam(db: Q, id: string): Promise<unknown> {
  return db.deleteFrom('teams').where('id', '=', id).execute();
}

/**
 * The compare-and-set of an automatic assignment: moves the team's round-robin clock from `seq` to `seq + 1`
 * while the team is still in auto mode. False when another assignment in the team won meanwhile.
 */
export async function bumpTeamSeq(db: Q, teamId: string, seq: number): Promise<boolean> {
  const r = await db
    .updateTable('teams')
    .set({ assignSeq: seq + 1 })
    .where('id', '=', teamId)
    .where('assignSeq', '=', seq)
    .where('mode', '=', 'auto')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

// Members

export function membersOfTeams(db: Q, teamIds: string[]) {
  if (teamIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('teamMembers as m')
    .innerJoin('users as u', 'u.id', 'm.userId')
    .leftJoin('agentProfiles as p', 'p.userId', 'm.userId')
    .select([
      'm.teamId',
      'm.userId',
      'm.lastAssignedSeq',
      'u.displayName',
      'u.jobTitle',
      'u.role',
      'u.isActive',
      'p.availability',
      'p.capacity',
    ])
    .where('m.teamId', 'in', teamIds)
    .orderBy('u.displayName')
    .execute();
}

/** Every membership (team id, user id): small (teams × members), read once per queue push. */
export function allMemberships(db: Q): Promise<{ teamId: string; userId: string }[]> {
  return db.selectFrom('teamMembers').select(['teamId', 'userId']).execute();
}

export function teamsOfUsers(db: Q, userIds: string[]) {
  if (userIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('teamMembers as m')
    .innerJoin('teams as t', 't.id', 'm.teamId')
    .select(['m.userId', 't.id', 't.name', 't.mode'])
    .where('m.userId', 'in', userIds)
    .orderBy('t.nameKey')
    .execute();
}

export async function replaceMembers(db: Q, teamId: string, userIds: string[], now: number): Promise<void> {
  const keep = [...new Set(userIds)];
  let del = db.deleteFrom('teamMembers').where('teamId', '=', teamId);
  if (keep.length > 0) del = del.where('userId', 'not in', keep);
  await del.execute();
  if (keep.length === 0) return;
  await db
    .insertInto('teamMembers')
    .values(keep.map((userId) => ({ teamId, userId, lastAssignedSeq: 0, createdAt: now })))
    .onConflict((oc) => oc.columns(['teamId', 'userId']).doNothing())
    .execute();
}

export async function markMemberAssigned(db: Q, teamId: string, userId: string, seq: number): Promise<boolean> {
  const r = await db
    .updateTable('teamMembers')
    .set({ lastAssignedSeq: seq })
    .where('teamId', '=', teamId)
    .where('userId', '=', userId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

// Agent profiles

export function findProfiles(db: Q, userIds: string[]): Promise<AgentProfileRow[]> {
  if (userIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('agentProfiles').selectAll().where('userId', 'in', userIds).execute();
}

/** Creates the profile with the defaults (online, no limit) unless it exists. */
export async function ensureProfile(db: Q, userId: string, now: number): Promise<void> {
  await db
    .insertInto('agentProfiles')
    .values({ userId, availability: 'online', capacity: null, assignedCount: 0, updatedAt: now })
    .onConflict((oc) => oc.column('userId').doNothing())
    .execute();
}

export function updateProfile(
  db: Q,
  userId: string,
  changes: { availability?: AgentAvailability; capacity?: number | null; updatedAt: number },
) {
  return db.updateTable('agentProfiles').set(changes).where('userId', '=', userId).execute();
}

/**
 * The write that serialises assignments to one agent: it takes the agent's row lock (PostgreSQL; SQLite has one
 * writer) before their open conversations are counted in the same transaction. False when they are away now.
 */
export async function touchAvailableProfile(db: Q, userId: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('agentProfiles')
    .set((eb) => ({ assignedCount: eb('assignedCount', '+', 1), updatedAt: now }))
    .where('userId', '=', userId)
    .where('availability', '=', 'online')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Away staff among `userIds` (no profile row means online). */
export async function awayUsers(db: Q, userIds: string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('agentProfiles')
    .select('userId')
    .where('userId', 'in', userIds)
    .where('availability', '=', 'away')
    .execute();
  return new Set(rows.map((r) => r.userId));
}

/** Open conversations each user is in (their load). */
export async function loads(db: Q, userIds: string[]): Promise<Map<string, number>> {
  if (userIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('conversationParticipants as p')
    .innerJoin('conversations as c', 'c.id', 'p.conversationId')
    .select((eb) => ['p.userId', eb.fn.countAll<number>().as('n')])
    .where('p.userId', 'in', userIds)
    .where('c.status', 'in', [...OPEN])
    .groupBy('p.userId')
    .execute();
  return new Map(rows.map((r) => [r.userId, Number(r.n)]));
}

/** Active staff (agents and admins), paged by name, with an optional search on name or username. */
export function listStaff(db: Q, options: { limit: number; offset: number; search?: string }) {
  let query = db
    .selectFrom('users')
    .select(['id', 'displayName', 'role', 'jobTitle'])
    .where('role', 'in', ['agent', 'admin'])
    .where('isActive', '=', 1);
  if (options.search) {
    const like = likePattern(options.search);
    query = query.where((eb) => eb.or([eb(sql`lower(display_name)`, 'like', like), eb('usernameKey', 'like', like)]));
  }
  return query.orderBy('displayName').orderBy('id').limit(options.limit).offset(options.offset).execute();
}

export async function countStaff(db: Q, search?: string): Promise<number> {
  let query = db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', 'in', ['agent', 'admin'])
    .where('isActive', '=', 1);
  if (search) {
    const like = likePattern(search);
    query = query.where((eb) => eb.or([eb(sql`lower(display_name)`, 'like', like), eb('usernameKey', 'like', like)]));
  }
  return Number((await query.executeTakeFirstOrThrow()).n);
}

export function findActiveStaff(db: Q, userId: string) {
  return db
    .selectFrom('users')
    .select(['id', 'displayName', 'jobTitle', 'role'])
    .where('id', '=', userId)
    .where('role', 'in', ['agent', 'admin'])
    .where('isActive', '=', 1)
    .executeTakeFirst();
}

// Conversation routing

export function findRouting(db: Q, conversationId: string): Promise<RoutingRow | undefined> {
  return db
    .selectFrom('conversationRouting')
    .selectAll()
    .where('conversationId', '=', conversationId)
    .executeTakeFirst();
}

export async function upsertRouting(db: Q, row: RoutingRow): Promise<void> {
  await db
    .insertInto('conversationRouting')
    .values(row)
    .onConflict((oc) =>
      oc.column('conversationId').doUpdateSet({
        teamId: row.teamId,
        assignedAgentId: row.assignedAgentId,
        assignedAt: row.assignedAt,
        awaitingAnswer: row.awaitingAnswer,
      }),
    )
    .execute();
}

export function setAwaiting(db: Q, conversationId: string, awaiting: 0 | 1) {
  return db
    .updateTable('conversationRouting')
    .set({ awaitingAnswer: awaiting })
    .where('conversationId', '=', conversationId)
    .execute();
}

/** The team of each conversation (for queue items), with the team's name. */
export async function teamsOfConversations(
  db: Q,
  conversationIds: string[],
): Promise<Map<string, { id: string; name: string }>> {
  if (conversationIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('conversationRouting as r')
    .innerJoin('teams as t', 't.id', 'r.teamId')
    .select(['r.conversationId', 't.id', 't.name'])
    .where('r.conversationId', 'in', conversationIds)
    .execute();
  return new Map(rows.map((r) => [r.conversationId, { id: r.id, name: r.name }]));
}

/** Waiting conversations in auto-mode teams, longest waiting first: the assignment sweep's work. */
export function waitingInAutoTeams(db: Q, limit: number) {
  return db
    .selectFrom('conversations as c')
    .innerJoin('conversationRouting as r', 'r.conversationId', 'c.id')
    .innerJoin('teams as t', 't.id', 'r.teamId')
    .select(['c.id', 'r.teamId'])
    .where('c.status', '=', 'waiting')
    .where('t.mode', '=', 'auto')
    .orderBy('c.waitingSince')
    .orderBy('c.id')
    .limit(limit)
    .execute();
}

/** Assignments older than `before` whose agent still owes the first answer. */
export function overdueAssignments(db: Q, before: number, limit: number) {
  return db
    .selectFrom('conversationRouting as r')
    .innerJoin('conversations as c', 'c.id', 'r.conversationId')
    .select(['r.conversationId', 'r.assignedAgentId', 'r.assignedAt', 'r.teamId'])
    .where('r.awaitingAnswer', '=', 1)
    .where('r.assignedAt', '<=', before)
    .where('c.status', 'in', [...OPEN])
    .orderBy('r.assignedAt')
    .limit(limit)
    .execute();
}

/** Whether `agentId` replied to the visitor (a text message, not a note) since `since`. */
export async function hasAnsweredSince(db: Q, conversationId: string, agentId: string, since: number) {
  const row = await db
    .selectFrom('messages')
    .select('id')
    .where('conversationId', '=', conversationId)
    .where('authorId', '=', agentId)
    .where('kind', '=', 'text')
    .where('createdAt', '>=', since)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function topicTeam(db: Q, topicId: string): Promise<TeamRow | undefined> {
  return db
    .selectFrom('topics')
    .innerJoin('teams', 'teams.id', 'topics.teamId')
    .selectAll('teams')
    .where('topics.id', '=', topicId)
    .executeTakeFirst();
}

export function topicsOfTeams(db: Q, teamIds: string[]) {
  if (teamIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('topics')
    .select(['id', 'label', 'teamId'])
    .where('teamId', 'in', teamIds)
    .orderBy('position')
    .execute();
}

/** A parameterised, case-insensitive "contains" pattern with LIKE's wildcards escaped (both dialects). */
function likePattern(search: string) {
  return sql<string>`${`%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`} escape '\\'`;
}
