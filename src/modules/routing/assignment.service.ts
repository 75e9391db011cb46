/**
 * Who gets a conversation: automatic assignment (round robin over available agents under capacity), passing an
 * unanswered assignment on, transfers to a named agent or a team, and the team checks of the conversation
 * lifecycle (hooks run inside its transactions).
 *
 * Atomic across instances (no in-memory counter anywhere):
 * 1. An assignment is planned from a read (the team's members, their availability, desks, loads and round-robin
 *    positions), then carried out in one transaction on the locked conversation row (ConversationService.change),
 *    which re-checks everything the plan assumed and throws (rollback, then a fresh plan) when anything moved.
 * 2. The team's round-robin clock moves by compare-and-set (`UPDATE teams SET assign_seq = n + 1 WHERE assign_seq =
 *    n`): of two instances planning on the same view, one wins, the other re-plans and sees the new order.
 * 3. The chosen agent's `agent_profiles` row is written (guarded by `availability = 'online'`) before their open
 *    conversations are counted in the same transaction: on PostgreSQL the write holds the row lock until commit, so
 *    a concurrent assignment to the same agent (another team, another instance) waits and then counts the first
 *    one's participant row (READ COMMITTED reads per statement); SQLite runs one write transaction at a time.
 *    Capacity cannot be exceeded by a race.
 * 4. A conversation is assigned at most once: it must still be `waiting` on the locked row; the participant row is
 *    unique per (conversation, agent).
 * Work arrives through the outbox (`routing.assign`, written in the start or transfer transaction: exactly once),
 * and the periodic task `routing.assign` (jobs runner) sweeps what is left (no agent was free) and passes on
 * assignments not answered within `routing.reassignAfterSeconds`.
 */
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/database.js';
import type { UnitOfWork } from '../../db/transaction.js';
import { domainEvent } from '../../events/domain-events.js';
import type { StaffConversationView } from '../../shared/conversations.js';
import { AppError } from '../../shared/errors.js';
import type { TransferInput } from '../../shared/routing.js';
import type { StaffPrincipal } from '../identity/principal.js';
import type { PresenceService } from '../presence/presence.service.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { ConversationService } from '../conversations/conversation.service.js';
import {
  countParticipants,
  deleteParticipant,
  findConversation,
  findParticipant,
  insertParticipantIfAbsent,
  listParticipants,
  type ConversationRow,
} from '../conversations/conversation.repository.js';
import {
  bumpTeamSeq,
  ensureProfile,
  findActiveStaff,
  findProfiles,
  findRouting,
  findTeam,
  hasAnsweredSince,
  loads,
  markMemberAssigned,
  membersOfTeams,
  overdueAssignments,
  setAwaiting,
  teamsOfUsers,
  topicTeam,
  touchAvailableProfile,
  updateProfile,
  upsertRouting,
  waitingInAutoTeams,
} from './routing.repository.js';

export const ASSIGN_TOPIC = 'routing.assign';
export const ASSIGN_TASK = 'routing.assign';
/** How often the sweep runs: the granularity of the reassignment timeout. */
export const ASSIGN_SWEEP_MS = 5_000;

const OPEN: readonly ConversationRow['status'][] = ['waiting', 'active'];
const MAX_ATTEMPTS = 5;

/** The plan went stale between the read and the transaction: roll back and plan again. */
class Replan extends Error {}
/** Nothing to do any more (assigned meanwhile, closed, left the team's queue). */
class NotNeeded extends Error {}

export type AssignOutcome = 'assigned' | 'no_agent' | 'not_needed';

export interface AssignmentDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  conversations: ConversationService;
  presence: PresenceService;
  settings: SettingsService;
}

export class AssignmentService {
  constructor(private readonly deps: AssignmentDeps) {}

  // ---- automatic assignment ----

  /** Assigns a waiting conversation of an auto-mode team to the next available agent under capacity. */
  async assign(conversationId: string): Promise<AssignOutcome> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const plan = await this.plan(conversationId);
      if (plan.kind !== 'agent') return plan.kind;
      const { team, agent } = plan;
      const now = this.deps.clock.now();
      await ensureProfile(this.deps.db, agent.userId, now);
      try {
        await this.deps.conversations.change(
          conversationId,
          [`${agent.displayName} was assigned to the chat`],
          async (uow, c) => {
            if (c.status !== 'waiting') throw new NotNeeded();
            const routing = await findRouting(uow.trx, c.id);
            if (routing?.teamId !== team.id) throw new Replan();
            if (!(await bumpTeamSeq(uow.trx, team.id, team.assignSeq))) throw new Replan();
            if (!(await touchAvailableProfile(uow.trx, agent.userId, now))) throw new Replan();
            const [profile] = await findProfiles(uow.trx, [agent.userId]);
            const load = (await loads(uow.trx, [agent.userId])).get(agent.userId) ?? 0;
            if (profile?.capacity != null && load >= profile.capacity) throw new Replan();
            if (!(await markMemberAssigned(uow.trx, team.id, agent.userId, team.assignSeq + 1))) throw new Replan();
            await insertParticipantIfAbsent(uow.trx, {
              conversationId: c.id,
              userId: agent.userId,
              displayName: agent.displayName,
              jobTitle: agent.jobTitle,
              joinedAt: now,
              lastReadSeq: 0,
            });
            c.status = 'active';
            c.waitingSince = null;
            await upsertRouting(uow.trx, {
              conversationId: c.id,
              teamId: team.id,
              assignedAgentId: agent.userId,
              assignedAt: now,
              awaitingAnswer: 1,
            });
            return { append: true, change: 'assigned', agentId: agent.userId };
          },
        );
        return 'assigned';
      } catch (err) {
        if (err instanceof Replan) continue;
        if (err instanceof NotNeeded) return 'not_needed';
        if (err instanceof AppError && err.code === 'not_found') return 'not_needed';
        throw err;
      }
    }
    // Lost every race: the sweep tries again shortly.
    return 'no_agent';
  }

  private async plan(conversationId: string) {
    const { db } = this.deps;
    const [conversation, routing] = await Promise.all([
      findConversation(db, conversationId),
      findRouting(db, conversationId),
    ]);
    if (conversation?.status !== 'waiting' || !routing?.teamId) return { kind: 'not_needed' as const };
    const team = await findTeam(db, routing.teamId);
    if (team?.mode !== 'auto') return { kind: 'not_needed' as const };
    const connected = await this.deps.presence.connectedStaff();
    const members = (await membersOfTeams(db, [team.id])).filter(
      (m) =>
        m.isActive === 1 &&
        (m.role === 'agent' || m.role === 'admin') &&
        (m.availability ?? 'online') === 'online' &&
        connected.has(m.userId),
    );
    const load = await loads(
      db,
      members.map((m) => m.userId),
    );
    const eligible = members
      .filter((m) => m.capacity == null || (load.get(m.userId) ?? 0) < m.capacity)
      // Round robin: whoever was given a conversation of this team longest ago (never: first), then by id.
      .sort((a, b) => a.lastAssignedSeq - b.lastAssignedSeq || (a.userId < b.userId ? -1 : 1));
    const agent = eligible[0];
    if (!agent) return { kind: 'no_agent' as const };
    return { kind: 'agent' as const, team, agent };
  }

  /**
   * The periodic task: passes on assignments not answered in time, then assigns what waits in auto-mode teams
   * (a team with nobody free is skipped for the rest of the pass).
   */
  async sweep(): Promise<{ assigned: number; passedOn: number }> {
    let passedOn = 0;
    let assigned = 0;
    const seconds = this.deps.settings.get('routing.reassignAfterSeconds');
    if (seconds !== null) {
      const overdue = await overdueAssignments(this.deps.db, this.deps.clock.now() - seconds * 1000, 50);
      for (const row of overdue) {
        if (await this.passOn(row.conversationId, row.assignedAgentId!, row.assignedAt!, seconds)) passedOn += 1;
      }
    }
    const full = new Set<string>();
    for (const w of await waitingInAutoTeams(this.deps.db, 100)) {
      if (!w.teamId || full.has(w.teamId)) continue;
      const outcome = await this.assign(w.id);
      if (outcome === 'assigned') assigned += 1;
      else if (outcome === 'no_agent') full.add(w.teamId);
    }
    return { assigned, passedOn };
  }

  /**
   * The assigned agent did not answer within the timeout: they leave the conversation and are set away (they are
   * not at their desk: no more chats bounce to them until they come back), and it goes to the next agent, or back
   * to the team's queue. Nothing happens if they answered, or if the assignment changed meanwhile.
   */
  private async passOn(conversationId: string, agentId: string, assignedAt: number, seconds: number) {
    const { db, clock } = this.deps;
    if (await hasAnsweredSince(db, conversationId, agentId, assignedAt)) {
      await setAwaiting(db, conversationId, 0);
      return false;
    }
    const participant = await findParticipant(db, conversationId, agentId);
    const name = participant?.displayName ?? 'The agent';
    const wait = seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
    let requeued = false;
    let passed = false;
    await this.deps.conversations.change(
      conversationId,
      [`${name} did not answer within ${wait}; the chat goes to the next available agent`],
      async (uow, c) => {
        const routing = await findRouting(uow.trx, c.id);
        if (routing?.awaitingAnswer !== 1 || routing.assignedAgentId !== agentId || routing.assignedAt !== assignedAt)
          return { append: false };
        if (await hasAnsweredSince(uow.trx, c.id, agentId, assignedAt)) {
          await setAwaiting(uow.trx, c.id, 0);
          return { append: false };
        }
        await upsertRouting(uow.trx, {
          conversationId: c.id,
          teamId: routing.teamId,
          assignedAgentId: null,
          assignedAt: null,
          awaitingAnswer: 0,
        });
        const now = clock.now();
        await ensureProfile(uow.trx, agentId, now);
        await updateProfile(uow.trx, agentId, { availability: 'away', updatedAt: now });
        const [profile] = await findProfiles(uow.trx, [agentId]);
        uow.emit(domainEvent('agent.changed', { userId: agentId, availability: 'away', capacity: profile!.capacity }));
        if (!(await deleteParticipant(uow.trx, c.id, agentId))) return { append: false };
        passed = true;
        if (OPEN.includes(c.status) && (await countParticipants(uow.trx, c.id)) === 0) {
          c.status = 'waiting';
          // It keeps its place in the queue: it has waited since (at least) the assignment.
          c.waitingSince = assignedAt;
          requeued = true;
        }
        return { append: true, change: 'unassigned' };
      },
    );
    if (requeued) await this.assign(conversationId);
    return passed;
  }

  // ---- transfers ----

  /**
   * Hands a conversation over, with a system line: to a named agent (they become its agent, the others leave), or to
   * a team (everyone leaves; it waits in that team's queue, and an auto-mode team assigns it). For the
   * conversation's agents and admins, while it is open. Capacity is not checked: a person chose.
   */
  async transfer(staff: StaffPrincipal, id: string, input: TransferInput): Promise<StaffConversationView> {
    const { db, clock, conversations } = this.deps;
    const row = await conversations.requireReadable(staff, id);
    if (staff.role !== 'admin' && !(await findParticipant(db, id, staff.userId))) {
      throw new AppError('not_a_participant', 'Only this conversation’s agents or an admin can transfer it.');
    }
    if (!OPEN.includes(row.status)) throw new AppError('conversation_closed');
    const invalid = (message: string) =>
      new AppError('validation_failed', undefined, { fields: [{ path: 'to.id', message }] });

    if (input.to.type === 'agent') {
      const target = await findActiveStaff(db, input.to.id);
      if (!target) throw invalid('is not an active agent or admin');
      if (target.id === staff.userId) throw invalid('is you: join the conversation instead');
      await conversations.change(
        id,
        [`${staff.displayName} transferred the chat to ${target.displayName}`],
        async (uow, c) => {
          if (!OPEN.includes(c.status)) throw new AppError('conversation_closed');
          for (const p of await listParticipants(uow.trx, [c.id])) {
            if (p.userId !== target.id) await deleteParticipant(uow.trx, c.id, p.userId);
          }
          const now = clock.now();
          await insertParticipantIfAbsent(uow.trx, {
            conversationId: c.id,
            userId: target.id,
            displayName: target.displayName,
            jobTitle: target.jobTitle,
            joinedAt: now,
            lastReadSeq: 0,
          });
          c.status = 'active';
          c.waitingSince = null;
          const routing = await findRouting(uow.trx, c.id);
          await upsertRouting(uow.trx, {
            conversationId: c.id,
            teamId: routing?.teamId ?? null,
            assignedAgentId: target.id,
            assignedAt: now,
            awaitingAnswer: 1,
          });
          return { append: true, change: 'transferred', agentId: target.id };
        },
      );
    } else {
      const team = await findTeam(db, input.to.id);
      if (!team) throw invalid('is not a team');
      await conversations.change(id, [`${staff.displayName} transferred the chat to ${team.name}`], async (uow, c) => {
        if (!OPEN.includes(c.status)) throw new AppError('conversation_closed');
        for (const p of await listParticipants(uow.trx, [c.id])) await deleteParticipant(uow.trx, c.id, p.userId);
        c.status = 'waiting';
        c.waitingSince = clock.now();
        await upsertRouting(uow.trx, {
          conversationId: c.id,
          teamId: team.id,
          assignedAgentId: null,
          assignedAt: null,
          awaitingAnswer: 0,
        });
        if (team.mode === 'auto') await uow.enqueue({ topic: ASSIGN_TOPIC, payload: { conversationId: c.id } });
        return { append: true, change: 'transferred' };
      });
    }
    return conversations.getStaffView(staff, id);
  }

  // ---- lifecycle hooks (inside the conversation's transaction) ----

  /** A new conversation with a topic routed to a team waits in that team's queue; auto teams assign it. */
  readonly onStarted = async (uow: UnitOfWork, c: ConversationRow): Promise<void> => {
    if (!c.topicId) return;
    const team = await topicTeam(uow.trx, c.topicId);
    if (!team) return;
    await upsertRouting(uow.trx, {
      conversationId: c.id,
      teamId: team.id,
      assignedAgentId: null,
      assignedAt: null,
      awaitingAnswer: 0,
    });
    if (team.mode === 'auto') {
      await uow.enqueue({ topic: ASSIGN_TOPIC, payload: { conversationId: c.id }, key: `assign:${c.id}` });
    }
  };

  /**
   * Picking a waiting conversation from another team's queue is refused (`not_in_team`): the team's members, agents
   * in no team, and admins may. Joining an active conversation to help stays open to every agent.
   */
  readonly beforeJoin = async (uow: UnitOfWork, c: ConversationRow, staff: StaffPrincipal): Promise<void> => {
    if (c.status !== 'waiting' || staff.role === 'admin') return;
    const routing = await findRouting(uow.trx, c.id);
    if (!routing?.teamId) return;
    const teams = await teamsOfUsers(uow.trx, [staff.userId]);
    if (teams.length > 0 && !teams.some((t) => t.id === routing.teamId)) throw new AppError('not_in_team');
  };
}
