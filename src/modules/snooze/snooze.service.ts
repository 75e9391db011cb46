/**
 * Snooze: an agent parks an active conversation until a time and/or until the visitor (or customer) writes.
 *
 * How it fits the lifecycle (docs/snooze.md):
 * - Only an `active` conversation can be snoozed, by one of its agents or an admin. Its status stays `active`: the
 *   visitor sees nothing change and can write as before; the agents keep following it (messages still arrive).
 * - The desk leaves it out of "My conversations" (and the "mine" counter) and shows it under "Snoozed"; it is never in
 *   the queue (only `waiting` ones are). Idle auto-close skips a conversation snoozed until a time.
 * - It wakes when the time comes, when the owner writes, or when an agent wakes it; any status change away from
 *   `active` (last agent left → requeued, closed, visitor left) ends the snooze in the same transaction
 *   (`setStatus` in conversation.repository.ts).
 *
 * Waking, exactly once across instances:
 * 1. The truth is in the row: `snoozed_at` set, `snoozed_until` passed or an owner message above `snoozed_seq`.
 * 2. The periodic task `conversations.snooze-wake` (src/jobs/register-jobs.ts, one instance at a time under its
 *    lease) finds such rows every SNOOZE_SWEEP_MS and wakes them: nothing is missed, even with no bus at all.
 * 3. Faster path: every instance keeps the ids of snoozed conversations it heard of (`conversation.snoozed` events,
 *    primed at start) and, when an owner's `message.created` names one, tries to wake it at once.
 * 4. Each wake runs in a transaction on the locked row and re-checks 1; only the transaction that finds it still
 *    snoozed clears it and emits `conversation.snoozed` (woke), so several instances racing give one wake-up.
 */
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Db, Dialect } from '../../db/database.js';
import { inTransaction, type UnitOfWork } from '../../db/transaction.js';
import { domainEvent } from '../../events/domain-events.js';
import type { EventBus } from '../../events/event-bus.js';
import { MAX_SNOOZE_MS, type SnoozeView, type WakeReason } from '../../shared/desk-tools.js';
import { AppError } from '../../shared/errors.js';
import {
  findParticipant,
  lockConversations,
  SNOOZE_CLEARED,
  updateConversation,
  type ConversationRow,
} from '../conversations/conversation.repository.js';
import type { ConversationService } from '../conversations/conversation.service.js';
import type { StaffPrincipal } from '../identity/principal.js';
import { dueSnoozes, ownerWroteAfter, snoozedIds } from './snooze.repository.js';

export const SNOOZE_TASK = 'conversations.snooze-wake';
export const SNOOZE_SWEEP_MS = 15_000;
const SWEEP_BATCH = 100;
const HINT_LIMIT = 10_000;

export function presentSnooze(row: ConversationRow): SnoozeView | null {
  if (row.snoozedAt === null || row.snoozedAt === undefined || row.status !== 'active') return null;
  return {
    since: new Date(row.snoozedAt).toISOString(),
    until: row.snoozedUntil ? new Date(row.snoozedUntil).toISOString() : null,
    by: { userId: row.snoozedById ?? null, name: row.snoozedByName ?? '' },
  };
}

export class SnoozeService {
  /** Conversations this instance believes are snoozed (a hint for waking fast; the sweep is the guarantee). */
  private readonly hint = new Set<string>();

  constructor(
    private readonly deps: {
      db: Db;
      dialect: Dialect;
      bus: EventBus;
      clock: Clock;
      logger: Logger;
      conversations: ConversationService;
    },
  ) {
    deps.bus.on('conversation.snoozed', ({ conversationId, snooze }) => {
      if (snooze) {
        if (this.hint.size < HINT_LIMIT) this.hint.add(conversationId);
      } else this.hint.delete(conversationId);
    });
    deps.bus.on('message.created', (m) => {
      if ((m.authorType === 'visitor' || m.authorType === 'customer') && this.hint.has(m.conversationId)) {
        this.wakeIfDue(m.conversationId).catch((err: unknown) =>
          deps.logger.warn(
            { err: { message: (err as Error).message }, conversationId: m.conversationId },
            'wake failed',
          ),
        );
      }
    });
  }

  /** Fills the hint from the database (at start; the sweep covers whatever it misses). */
  async primeHint(): Promise<void> {
    for (const id of await snoozedIds(this.deps.db, HINT_LIMIT)) this.hint.add(id);
  }

  async get(staff: StaffPrincipal, conversationId: string): Promise<SnoozeView | null> {
    return presentSnooze(await this.deps.conversations.requireReadable(staff, conversationId));
  }

  /** Its agents and admins may snooze or wake a conversation (like closing it). */
  private async requireAgentOrAdmin(staff: StaffPrincipal, conversationId: string): Promise<void> {
    await this.deps.conversations.requireReadable(staff, conversationId);
    if (staff.role !== 'admin' && !(await findParticipant(this.deps.db, conversationId, staff.userId))) {
      throw new AppError('not_a_participant', 'Only this conversation’s agents or an admin can snooze it.');
    }
  }

  /** Parks an active conversation until `until` (epoch ms) and/or until the owner writes (`until` null). */
  async snooze(staff: StaffPrincipal, conversationId: string, until: number | null): Promise<SnoozeView> {
    const now = this.deps.clock.now();
    if (until !== null && (until <= now || until > now + MAX_SNOOZE_MS)) {
      throw new AppError('validation_failed', undefined, {
        fields: [
          {
            path: 'until',
            message: 'Choose a time in the future, at most 30 days ahead.',
            code: 'snooze_until_invalid',
          },
        ],
      });
    }
    await this.requireAgentOrAdmin(staff, conversationId);
    return inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      const c = await this.lock(uow, conversationId);
      if (c.status !== 'active') throw new AppError('snooze_not_allowed');
      Object.assign(c, {
        snoozedAt: now,
        snoozedUntil: until,
        snoozedSeq: c.lastSeq,
        snoozedById: staff.userId,
        snoozedByName: staff.displayName,
      });
      await updateConversation(uow.trx, c.id, {
        snoozedAt: c.snoozedAt,
        snoozedUntil: c.snoozedUntil,
        snoozedSeq: c.snoozedSeq,
        snoozedById: c.snoozedById,
        snoozedByName: c.snoozedByName,
      });
      const view = presentSnooze(c)!;
      uow.emit(domainEvent('conversation.snoozed', { conversationId, snooze: view, reason: null }));
      return view;
    });
  }

  /** An agent wakes a snoozed conversation (nothing happens if it is not snoozed). */
  async unsnooze(staff: StaffPrincipal, conversationId: string): Promise<void> {
    await this.requireAgentOrAdmin(staff, conversationId);
    await this.wake(conversationId, () => Promise.resolve('agent'));
  }

  /** Wakes `conversationId` if its time came or its owner wrote since it was parked; true when this call woke it. */
  wakeIfDue(conversationId: string): Promise<boolean> {
    return this.wake(conversationId, (uow, c) => this.dueReason(uow, c));
  }

  /** The periodic sweep: wakes every due conversation, a batch at a time; answers how many woke. */
  async wakeDue(): Promise<number> {
    let woke = 0;
    for (;;) {
      const batch = await dueSnoozes(this.deps.db, this.deps.clock.now(), SWEEP_BATCH);
      let changed = 0;
      for (const c of batch) {
        if (await this.wakeIfDue(c.id)) changed += 1;
      }
      woke += changed;
      if (batch.length < SWEEP_BATCH || changed === 0) return woke;
    }
  }

  private async dueReason(uow: UnitOfWork, c: ConversationRow): Promise<WakeReason | null> {
    if (c.status !== 'active') return 'ended';
    if (c.snoozedUntil !== null && c.snoozedUntil !== undefined && c.snoozedUntil <= this.deps.clock.now())
      return 'time';
    if (await ownerWroteAfter(uow.trx, c.id, c.snoozedSeq ?? 0)) return 'visitor_wrote';
    return null;
  }

  private async wake(
    conversationId: string,
    reasonOf: (uow: UnitOfWork, c: ConversationRow) => Promise<WakeReason | null>,
  ): Promise<boolean> {
    return inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      const c = await this.lock(uow, conversationId);
      if (c.snoozedAt === null || c.snoozedAt === undefined) {
        // Ended by a status change (which clears it silently): forget it here too.
        this.hint.delete(conversationId);
        return false;
      }
      const reason = await reasonOf(uow, c);
      if (reason === null) return false;
      await updateConversation(uow.trx, c.id, { ...SNOOZE_CLEARED });
      uow.emit(domainEvent('conversation.snoozed', { conversationId, snooze: null, reason }));
      return true;
    });
  }

  private async lock(uow: UnitOfWork, conversationId: string): Promise<ConversationRow> {
    const c = (await lockConversations(uow.trx, this.deps.dialect, [conversationId])).get(conversationId);
    if (!c) throw new AppError('not_found');
    return c;
  }
}
