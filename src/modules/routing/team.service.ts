import type { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { Db } from '../../db/database.js';
import { inTransaction } from '../../db/transaction.js';
import { domainEvent } from '../../events/domain-events.js';
import type { EventBus } from '../../events/event-bus.js';
import type { QueueSnapshot } from '../../shared/desk.js';
import { AppError } from '../../shared/errors.js';
import type {
  AgentView,
  Availability,
  MyRoutingView,
  Page,
  TeamView,
  agentProfileInputSchema,
  pageQuerySchema,
  teamInputSchema,
} from '../../shared/routing.js';
import { changesBetween, type AuditActor, type AuditService } from '../audit/audit.service.js';
import type { StaffPrincipal } from '../identity/principal.js';
import type { PresenceService } from '../presence/presence.service.js';
import {
  allMemberships,
  countStaff,
  countTeams,
  deleteTeam,
  ensureProfile,
  findActiveStaff,
  findProfiles,
  findTeam,
  findTeamByNameKey,
  insertTeam,
  listStaff,
  listTeams,
  loads,
  membersOfTeams,
  replaceMembers,
  teamsOfUsers,
  topicsOfTeams,
  updateProfile,
  updateTeam,
  awayUsers,
  type TeamRow,
} from './routing.repository.js';

type PageQuery = z.output<typeof pageQuerySchema>;

/** Which waiting conversations a staff member's queue shows (see `visibleQueue`). */
export interface QueueVisibility {
  /** Admins and agents in no team see every queue. */
  all: boolean;
  teamIds: ReadonlySet<string>;
}

/**
 * The queue a staff member sees. Admins, and agents in no team, see every waiting conversation (longest waiting
 * first, as before teams existed). An agent in one or more teams sees their teams' conversations first, then the
 * general queue (conversations routed to no team); other teams' queues are not theirs to pick from (`not_in_team`
 * on join), though any agent may still read any conversation. `counters.waiting` counts what the queue shows.
 */
export function visibleQueue(snapshot: QueueSnapshot, visibility: QueueVisibility): QueueSnapshot {
  if (visibility.all) return snapshot;
  const mine = snapshot.queue.filter((q) => q.team !== null && visibility.teamIds.has(q.team.id));
  const general = snapshot.queue.filter((q) => q.team === null);
  const queue = [...mine, ...general];
  return { queue, counters: { ...snapshot.counters, waiting: queue.length } };
}

export interface TeamServiceDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  audit: AuditService;
  presence: PresenceService;
}

/**
 * Teams (admin-managed; topics route to them), each staff member's availability (online / away) and capacity, and
 * which queues each staff member sees. Assignment itself is in assignment.service.ts.
 */
export class TeamService {
  private onlineCache: { value: number; at: number } | undefined;

  constructor(private readonly deps: TeamServiceDeps) {
    // Availability or connections changed somewhere: count afresh.
    deps.bus.on('agent.changed', () => (this.onlineCache = undefined));
    deps.bus.on('presence.changed', () => (this.onlineCache = undefined));
  }

  // ---- agents online (the public status) ----

  /**
   * Staff with a desk open on any instance who are not away: the "agents online" of the support status and the
   * admin overview. Cached 2 s (status requests ask often); dropped on every availability or presence change.
   */
  async agentsOnline(): Promise<number> {
    const now = Date.now();
    if (this.onlineCache && now - this.onlineCache.at < 2_000) return this.onlineCache.value;
    const connected = [...(await this.deps.presence.connectedStaff())];
    const away = await awayUsers(this.deps.db, connected);
    const value = connected.filter((id) => !away.has(id)).length;
    this.onlineCache = { value, at: now };
    return value;
  }

  // ---- teams (admins) ----

  async listTeams(query: PageQuery): Promise<Page<TeamView>> {
    const offset = (query.page - 1) * query.pageSize;
    const [rows, total] = await Promise.all([
      listTeams(this.deps.db, { limit: query.pageSize, offset, search: query.search }),
      countTeams(this.deps.db, query.search),
    ]);
    return { items: await this.views(rows), total, page: query.page, pageSize: query.pageSize };
  }

  async getTeam(id: string): Promise<TeamView> {
    const row = await findTeam(this.deps.db, id);
    if (!row) throw new AppError('not_found');
    return (await this.views([row]))[0]!;
  }

  private async views(rows: TeamRow[]): Promise<TeamView[]> {
    const ids = rows.map((r) => r.id);
    const [members, topics] = await Promise.all([membersOfTeams(this.deps.db, ids), topicsOfTeams(this.deps.db, ids)]);
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      mode: r.mode,
      members: members
        .filter((m) => m.teamId === r.id && m.isActive === 1)
        .map((m) => ({ userId: m.userId, name: m.displayName, availability: m.availability ?? 'online' })),
      topics: topics.filter((t) => t.teamId === r.id).map((t) => ({ id: t.id, label: t.label })),
    }));
  }

  private async assertUniqueName(nameKey: string, exceptId?: string): Promise<void> {
    const existing = await findTeamByNameKey(this.deps.db, nameKey);
    if (existing && existing.id !== exceptId) {
      throw new AppError('conflict', 'A team with this name exists.', {
        fields: [{ path: 'name', message: 'already exists' }],
      });
    }
  }

  async createTeam(actor: AuditActor, input: z.output<typeof teamInputSchema>): Promise<TeamView> {
    const nameKey = input.name.toLowerCase();
    await this.assertUniqueName(nameKey);
    const now = this.deps.clock.now();
    const row: TeamRow = {
      id: newId(),
      name: input.name,
      nameKey,
      mode: input.mode,
      assignSeq: 0,
      createdAt: now,
      updatedAt: now,
    };
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await insertTeam(uow.trx, row);
      await this.deps.audit.record(uow.trx, actor, {
        action: 'team.created',
        target: { type: 'team', id: row.id, name: row.name },
        details: { name: row.name, mode: row.mode },
      });
      uow.emit(domainEvent('teams.changed', { teamId: row.id }));
    });
    return this.getTeam(row.id);
  }

  async updateTeam(actor: AuditActor, id: string, input: z.output<typeof teamInputSchema>): Promise<TeamView> {
    const existing = await findTeam(this.deps.db, id);
    if (!existing) throw new AppError('not_found');
    const nameKey = input.name.toLowerCase();
    await this.assertUniqueName(nameKey, id);
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await updateTeam(uow.trx, id, { name: input.name, nameKey, mode: input.mode, updatedAt: this.deps.clock.now() });
      await this.deps.audit.record(uow.trx, actor, {
        action: 'team.updated',
        target: { type: 'team', id, name: input.name },
        details: { changes: changesBetween({ name: existing.name, mode: existing.mode }, { ...input }) },
      });
      uow.emit(domainEvent('teams.changed', { teamId: id }));
    });
    return this.getTeam(id);
  }

  /** Deletes a team: its topics route nowhere and its waiting conversations join the general queue. */
  async deleteTeam(actor: AuditActor, id: string): Promise<void> {
    const existing = await findTeam(this.deps.db, id);
    if (!existing) throw new AppError('not_found');
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await deleteTeam(uow.trx, id);
      await this.deps.audit.record(uow.trx, actor, {
        action: 'team.deleted',
        target: { type: 'team', id, name: existing.name },
        details: { name: existing.name },
      });
      uow.emit(domainEvent('teams.changed', { teamId: id }));
    });
  }

  /** Sets a team's members (active agents and admins). */
  async setMembers(actor: AuditActor, id: string, userIds: string[]): Promise<TeamView> {
    const team = await findTeam(this.deps.db, id);
    if (!team) throw new AppError('not_found');
    const unique = [...new Set(userIds)];
    const problems = [];
    for (const [i, userId] of unique.entries()) {
      if (!(await findActiveStaff(this.deps.db, userId)))
        problems.push({ path: `userIds.${i}`, message: 'is not an active agent or admin' });
    }
    if (problems.length > 0) throw new AppError('validation_failed', undefined, { fields: problems });
    const before = (await membersOfTeams(this.deps.db, [id])).map((m) => m.userId).sort();
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await replaceMembers(uow.trx, id, unique, this.deps.clock.now());
      await this.deps.audit.record(uow.trx, actor, {
        action: 'team.members_changed',
        target: { type: 'team', id, name: team.name },
        details: {
          added: unique.filter((u) => !before.includes(u)),
          removed: before.filter((u) => !unique.includes(u)),
        },
      });
      uow.emit(domainEvent('teams.changed', { teamId: id }));
    });
    return this.getTeam(id);
  }

  // ---- agents ----

  async listAgents(query: PageQuery): Promise<Page<AgentView>> {
    const offset = (query.page - 1) * query.pageSize;
    const [rows, total] = await Promise.all([
      listStaff(this.deps.db, { limit: query.pageSize, offset, search: query.search }),
      countStaff(this.deps.db, query.search),
    ]);
    const ids = rows.map((r) => r.id);
    const [profiles, load, teams, connected] = await Promise.all([
      findProfiles(this.deps.db, ids),
      loads(this.deps.db, ids),
      teamsOfUsers(this.deps.db, ids),
      this.deps.presence.connectedStaff(),
    ]);
    const items: AgentView[] = rows.map((r) => {
      const profile = profiles.find((p) => p.userId === r.id);
      return {
        userId: r.id,
        name: r.displayName,
        role: r.role as 'agent' | 'admin',
        jobTitle: r.jobTitle,
        availability: profile?.availability ?? 'online',
        capacity: profile?.capacity ?? null,
        load: load.get(r.id) ?? 0,
        connected: connected.has(r.id),
        teams: teams.filter((t) => t.userId === r.id).map((t) => ({ id: t.id, name: t.name })),
      };
    });
    return { items, total, page: query.page, pageSize: query.pageSize };
  }

  async myRouting(staff: StaffPrincipal): Promise<MyRoutingView> {
    const [profiles, load, teams] = await Promise.all([
      findProfiles(this.deps.db, [staff.userId]),
      loads(this.deps.db, [staff.userId]),
      teamsOfUsers(this.deps.db, [staff.userId]),
    ]);
    return {
      availability: profiles[0]?.availability ?? 'online',
      capacity: profiles[0]?.capacity ?? null,
      load: load.get(staff.userId) ?? 0,
      teams: teams.map((t) => ({ id: t.id, name: t.name, mode: t.mode })),
    };
  }

  /** A staff member sets their own availability (away: no new chats, not counted as an agent online). */
  async setMyAvailability(staff: StaffPrincipal, availability: Availability): Promise<MyRoutingView> {
    await this.saveProfile(staff.userId, { availability });
    return this.myRouting(staff);
  }

  /** Admins: a staff member's capacity (and availability), audited. */
  async updateAgent(
    actor: AuditActor,
    userId: string,
    input: z.output<typeof agentProfileInputSchema>,
  ): Promise<AgentView> {
    const user = await findActiveStaff(this.deps.db, userId);
    if (!user) throw new AppError('not_found');
    const before = (await findProfiles(this.deps.db, [userId]))[0];
    const changes = {
      ...(input.capacity !== undefined ? { capacity: input.capacity } : {}),
      ...(input.availability !== undefined ? { availability: input.availability } : {}),
    };
    await this.saveProfile(userId, changes, async (trx) =>
      this.deps.audit.record(trx, actor, {
        action: 'agent.routing_changed',
        target: { type: 'user', id: userId, name: user.displayName },
        details: {
          changes: changesBetween(
            { capacity: before?.capacity ?? null, availability: before?.availability ?? 'online' },
            changes,
          ),
        },
      }),
    );
    return this.agentView(userId);
  }

  private async agentView(userId: string): Promise<AgentView> {
    const user = await findActiveStaff(this.deps.db, userId);
    if (!user) throw new AppError('not_found');
    const [profiles, load, teams, connected] = await Promise.all([
      findProfiles(this.deps.db, [userId]),
      loads(this.deps.db, [userId]),
      teamsOfUsers(this.deps.db, [userId]),
      this.deps.presence.connectedStaff(),
    ]);
    return {
      userId,
      name: user.displayName,
      role: user.role as 'agent' | 'admin',
      jobTitle: user.jobTitle,
      availability: profiles[0]?.availability ?? 'online',
      capacity: profiles[0]?.capacity ?? null,
      load: load.get(userId) ?? 0,
      connected: connected.has(userId),
      teams: teams.map((t) => ({ id: t.id, name: t.name })),
    };
  }

  private async saveProfile(
    userId: string,
    changes: { availability?: Availability; capacity?: number | null },
    audit?: (trx: Parameters<AuditService['record']>[0]) => Promise<unknown>,
  ): Promise<void> {
    const now = this.deps.clock.now();
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await ensureProfile(uow.trx, userId, now);
      await updateProfile(uow.trx, userId, { ...changes, updatedAt: now });
      if (audit) await audit(uow.trx);
      const [profile] = await findProfiles(uow.trx, [userId]);
      uow.emit(
        domainEvent('agent.changed', {
          userId,
          availability: profile!.availability,
          capacity: profile!.capacity,
        }),
      );
    });
  }

  // ---- queues ----

  /** Which queues `staff` sees (admins and agents in no team: all). */
  async visibilityOf(staff: Pick<StaffPrincipal, 'userId' | 'role'>): Promise<QueueVisibility> {
    if (staff.role === 'admin') return { all: true, teamIds: new Set() };
    const teams = await teamsOfUsers(this.deps.db, [staff.userId]);
    return { all: teams.length === 0, teamIds: new Set(teams.map((t) => t.id)) };
  }

  /** Everyone's visibility at once (a queue push to every desk of an instance): one query. */
  async visibilities(staff: Pick<StaffPrincipal, 'userId' | 'role'>[]): Promise<Map<string, QueueVisibility>> {
    const memberships = staff.length === 0 ? [] : await allMemberships(this.deps.db);
    const out = new Map<string, QueueVisibility>();
    for (const s of staff) {
      const teamIds = new Set(memberships.filter((m) => m.userId === s.userId).map((m) => m.teamId));
      out.set(s.userId, { all: s.role === 'admin' || teamIds.size === 0, teamIds });
    }
    return out;
  }
}
