import type { Db } from '../../db/database.js';
import { domainEvent } from '../../events/domain-events.js';
import type { EventBus } from '../../events/event-bus.js';
import type { Clock } from '../../core/clock.js';
import type { DeskConversationItem, DeskCounters, QueueItem, QueueSnapshot } from '../../shared/desk.js';
import { AppError } from '../../shared/errors.js';
import type { ConversationService } from '../conversations/conversation.service.js';
import {
  agentsReadPublicSeq,
  listParticipants,
  type ConversationRow,
} from '../conversations/conversation.repository.js';
import type { PublicPrincipal, StaffPrincipal } from '../identity/principal.js';
import {
  advanceOwnerRead,
  advanceParticipantRead,
  conversationsByStatus,
  conversationsOfAgent,
  countByStatus,
  firstMessages,
  waitingConversations,
  waitingOrder,
} from './desk.repository.js';

const QUEUE_LIMIT = 200;
const FIRST_WORDS = 140;

/**
 * What the agent desk shows: the live queue (longest waiting first), counters, an agent's own conversations with
 * unread counts, the visitors' queue positions, and read positions on both sides.
 */
export class DeskService {
  constructor(
    private readonly deps: {
      db: Db;
      bus: EventBus;
      clock: Clock;
      conversations: ConversationService;
      /** Routing: the team each conversation waits for (queue items show it; desks filter by it). */
      teamsOf?: (conversationIds: string[]) => Promise<Map<string, { id: string; name: string }>>;
    },
  ) {}

  /**
   * Someone is typing (or stopped): announced on the bus, never stored. Typing needs the same permission as
   * writing (the owner, or staff who joined; the conversation open), so nobody can appear to type where they may
   * not write. A staff member typing a private note is seen by staff only.
   */
  async typing(
    principal: PublicPrincipal | StaffPrincipal,
    conversationId: string,
    change: { isTyping: boolean; note?: boolean },
  ): Promise<void> {
    const conversation = await this.deps.conversations.requireWritable(principal, conversationId);
    // The desk says who types: an agent by name, the owner by the name they go by in this conversation.
    const who =
      principal.kind === 'staff'
        ? { type: 'staff' as const, id: principal.userId, name: principal.displayName }
        : {
            type: principal.kind,
            id: principal.kind === 'customer' ? principal.userId : principal.visitorId,
            name: conversation.displayName,
          };
    this.deps.bus.publish(
      domainEvent('typing.changed', {
        conversationId,
        who,
        isTyping: change.isTyping,
        note: principal.kind === 'staff' && change.note === true,
      }),
    );
  }

  /** Each waiting conversation of this visitor or customer with its place in the queue (on connect). */
  async positionsOf(
    principal: PublicPrincipal,
  ): Promise<{ conversationId: string; position: number; waiting: number }[]> {
    const waiting = (await this.deps.conversations.ownedConversations(principal, 10)).filter(
      (c) => c.status === 'waiting',
    );
    if (waiting.length === 0) return [];
    // Counted in the database for this visitor's conversations only: a reconnect storm of N waiting visitors
    // must not load the whole queue N times.
    const { waiting: total } = await countByStatus(this.deps.db);
    const out = [];
    for (const c of waiting) {
      const position = await this.deps.conversations.queuePositionOf(c);
      out.push({ conversationId: c.id, position, waiting: Math.max(total, position) });
    }
    return out;
  }

  async queueSnapshot(): Promise<QueueSnapshot> {
    const [rows, counters] = await Promise.all([
      waitingConversations(this.deps.db, QUEUE_LIMIT),
      countByStatus(this.deps.db),
    ]);
    const firsts = new Map(
      (
        await firstMessages(
          this.deps.db,
          rows.map((r) => r.id),
        )
      ).map((m) => [m.conversationId, m]),
    );
    const teams = (await this.deps.teamsOf?.(rows.map((r) => r.id))) ?? new Map<string, { id: string; name: string }>();
    const queue: QueueItem[] = [];
    for (const row of rows) {
      const first = firsts.get(row.id);
      const text = first ? await this.deps.conversations.decryptText(row.id, first.id, first.body) : null;
      queue.push({
        id: row.id,
        displayName: row.displayName,
        topic: row.topicLabel,
        waitingSince: new Date(row.waitingSince ?? row.createdAt).toISOString(),
        firstWords: text === null ? '' : text.length > FIRST_WORDS ? `${text.slice(0, FIRST_WORDS)}…` : text,
        isCustomer: row.customerId !== null,
        team: teams.get(row.id) ?? null,
      });
    }
    return { queue, counters };
  }

  async counters(staff: StaffPrincipal): Promise<DeskCounters> {
    const [counts, mine] = await Promise.all([
      countByStatus(this.deps.db),
      conversationsOfAgent(this.deps.db, staff.userId),
    ]);
    // Snoozed conversations are parked: they leave "mine" until they wake (src/modules/snooze/).
    return { ...counts, mine: mine.filter((c) => !c.snoozedAt).length };
  }

  /** `mine`: open conversations the agent joined (with unread counts); `active`: all active; `closed`: recent. */
  async list(
    staff: Pick<StaffPrincipal, 'userId'>,
    scope: 'mine' | 'active' | 'closed',
  ): Promise<DeskConversationItem[]> {
    let rows: (ConversationRow & { lastReadSeq?: number })[];
    if (scope === 'mine') rows = (await conversationsOfAgent(this.deps.db, staff.userId)).filter((c) => !c.snoozedAt);
    else if (scope === 'active') rows = await conversationsByStatus(this.deps.db, ['active'], 200);
    else rows = await conversationsByStatus(this.deps.db, ['closed', 'left'], 100);
    const participants = await listParticipants(
      this.deps.db,
      rows.map((r) => r.id),
    );
    return rows.map((row) => ({
      id: row.id,
      displayName: row.displayName,
      topic: row.topicLabel,
      status: row.status,
      lastMessageAt: new Date(row.lastMessageAt).toISOString(),
      agents: participants
        .filter((p) => p.conversationId === row.id)
        .map((p) => ({ userId: p.userId, name: p.displayName })),
      unread: row.lastReadSeq === undefined ? 0 : Math.max(0, row.lastSeq - row.lastReadSeq),
    }));
  }

  /** Each waiting conversation's 1-based position in the queue. */
  async queuePositions(): Promise<Map<string, number>> {
    const order = await waitingOrder(this.deps.db);
    return new Map(order.map((id, i) => [id, i + 1]));
  }

  /**
   * Records that `principal` has read up to `seq` (their own numbering). Returns the read positions to announce:
   * the owner's (public numbering) and the agents' (mapped to the public numbering, so notes never show through).
   */
  async markRead(
    principal: PublicPrincipal | StaffPrincipal,
    conversationId: string,
    seq: number,
  ): Promise<{ changed: boolean; ownerReadSeq: number; agentsReadSeq: number; conversation: ConversationRow }> {
    const row = await this.deps.conversations.requireReadable(principal, conversationId);
    // Read state is kept for the conversation's own people: its owner, and the agents who joined it.
    if (principal.kind === 'staff') await this.deps.conversations.requireParticipant(principal, conversationId);
    const limit = principal.kind === 'staff' ? row.lastSeq : row.lastPublicSeq;
    if (seq > limit) throw new AppError('sequence_invalid', undefined, { lastSeq: limit });
    const changed =
      principal.kind === 'staff'
        ? await advanceParticipantRead(this.deps.db, conversationId, principal.userId, seq)
        : await advanceOwnerRead(this.deps.db, conversationId, seq);
    const fresh = await this.deps.conversations.requireReadable(principal, conversationId);
    const agentsReadSeq = await agentsReadPublicSeq(this.deps.db, conversationId);
    if (changed) {
      this.deps.bus.publish(
        domainEvent('conversation.read', {
          conversationId,
          ownerReadSeq: fresh.ownerReadSeq,
          agentsReadSeq,
          staffReader: principal.kind === 'staff' ? { userId: principal.userId, seq } : null,
        }),
      );
    }
    return { changed, ownerReadSeq: fresh.ownerReadSeq, agentsReadSeq, conversation: fresh };
  }

  agentsReadSeq(conversationId: string): Promise<number> {
    return agentsReadPublicSeq(this.deps.db, conversationId);
  }
}
