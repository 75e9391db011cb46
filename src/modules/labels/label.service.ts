import type { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import { isUniqueViolation, type Db } from '../../db/database.js';
import { inTransaction } from '../../db/transaction.js';
import { domainEvent } from '../../events/domain-events.js';
import type { EventBus } from '../../events/event-bus.js';
import type { LabelColor, LabelView, labelInputSchema } from '../../shared/desk-tools.js';
import { AppError } from '../../shared/errors.js';
import { changesBetween, type AuditActor, type AuditService } from '../audit/audit.service.js';
import type { ConversationService } from '../conversations/conversation.service.js';
import type { StaffPrincipal } from '../identity/principal.js';
import {
  addConversationLabel,
  conversationsWithLabel,
  countConversationLabels,
  countLabels,
  deleteLabel,
  findLabel,
  findLabelByKey,
  insertLabel,
  labelsOf,
  listLabels,
  MAX_LABELS,
  MAX_LABELS_PER_CONVERSATION,
  removeConversationLabel,
  updateLabel,
  type LabelRow,
} from './label.repository.js';

type LabelInput = z.output<typeof labelInputSchema>;

export const presentLabel = (row: Pick<LabelRow, 'id' | 'name' | 'color'>): LabelView => ({
  id: row.id,
  name: row.name,
  color: row.color as LabelColor,
});

const nameTaken = () =>
  new AppError('conflict', 'A label with this name exists.', {
    fields: [{ path: 'name', message: 'A label with this name exists.', code: 'label_exists' }],
  });

/**
 * Labels: an admin-managed list (every change audited) that any staff member puts on or takes off a conversation
 * (staff may read every conversation, so they may sort it too). Desks hear of both through domain events.
 */
export class LabelService {
  constructor(
    private readonly deps: {
      db: Db;
      bus: EventBus;
      clock: Clock;
      audit: AuditService;
      conversations: ConversationService;
    },
  ) {}

  async list(): Promise<LabelView[]> {
    return (await listLabels(this.deps.db)).map(presentLabel);
  }

  async create(actor: AuditActor, input: LabelInput): Promise<LabelView> {
    const now = this.deps.clock.now();
    const row: LabelRow = {
      id: newId(),
      name: input.name,
      nameKey: input.name.toLowerCase(),
      color: input.color,
      createdAt: now,
      updatedAt: now,
      updatedBy: actor.id,
    };
    try {
      await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
        if ((await countLabels(uow.trx)) >= MAX_LABELS)
          throw new AppError('conflict', `There can be at most ${MAX_LABELS} labels; delete one first.`);
        if (await findLabelByKey(uow.trx, row.nameKey)) throw nameTaken();
        await insertLabel(uow.trx, row);
        await this.deps.audit.record(uow.trx, actor, {
          action: 'label.created',
          target: { type: 'label', id: row.id, name: row.name },
          details: { name: row.name, color: row.color },
        });
        uow.emit(domainEvent('labels.changed', { labelId: row.id, change: 'created', conversationIds: [] }));
      });
    } catch (err) {
      // Two admins creating the same name at once: the unique key decides.
      if (isUniqueViolation(err)) throw nameTaken();
      throw err;
    }
    return presentLabel(row);
  }

  async update(actor: AuditActor, id: string, input: LabelInput): Promise<LabelView> {
    try {
      return await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
        const existing = await findLabel(uow.trx, id);
        if (!existing) throw new AppError('not_found');
        const nameKey = input.name.toLowerCase();
        const other = await findLabelByKey(uow.trx, nameKey);
        if (other && other.id !== id) throw nameTaken();
        await updateLabel(uow.trx, id, {
          name: input.name,
          nameKey,
          color: input.color,
          updatedAt: this.deps.clock.now(),
          updatedBy: actor.id,
        });
        await this.deps.audit.record(uow.trx, actor, {
          action: 'label.updated',
          target: { type: 'label', id, name: input.name },
          details: {
            changes: changesBetween(
              { name: existing.name, color: existing.color },
              { name: input.name, color: input.color },
            ),
          },
        });
        uow.emit(
          domainEvent('labels.changed', {
            labelId: id,
            change: 'updated',
            conversationIds: await conversationsWithLabel(uow.trx, id, 500),
          }),
        );
        return presentLabel({ id, name: input.name, color: input.color });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw nameTaken();
      throw err;
    }
  }

  /** Deletes a label; it comes off every conversation (cascade). */
  async remove(actor: AuditActor, id: string): Promise<void> {
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      const existing = await findLabel(uow.trx, id);
      if (!existing) throw new AppError('not_found');
      const conversationIds = await conversationsWithLabel(uow.trx, id, 500);
      await deleteLabel(uow.trx, id);
      await this.deps.audit.record(uow.trx, actor, {
        action: 'label.deleted',
        target: { type: 'label', id, name: existing.name },
        details: { name: existing.name },
      });
      uow.emit(domainEvent('labels.changed', { labelId: id, change: 'deleted', conversationIds }));
    });
  }

  /** The labels of one conversation (any staff member may read them). */
  async ofConversation(staff: StaffPrincipal, conversationId: string): Promise<LabelView[]> {
    await this.deps.conversations.requireReadable(staff, conversationId);
    return ((await labelsOf(this.deps.db, [conversationId])).get(conversationId) ?? []).map(presentLabel);
  }

  /** Puts a label on a conversation (idempotent); answers the conversation's labels. */
  async apply(staff: StaffPrincipal, conversationId: string, labelId: string): Promise<LabelView[]> {
    await this.deps.conversations.requireReadable(staff, conversationId);
    return inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      if (!(await findLabel(uow.trx, labelId))) {
        throw new AppError('validation_failed', undefined, {
          fields: [{ path: 'labelId', message: 'There is no such label.', code: 'label_not_found' }],
        });
      }
      if ((await countConversationLabels(uow.trx, conversationId)) >= MAX_LABELS_PER_CONVERSATION) {
        throw new AppError('conflict', `A conversation has at most ${MAX_LABELS_PER_CONVERSATION} labels.`);
      }
      const added = await addConversationLabel(uow.trx, {
        conversationId,
        labelId,
        addedAt: this.deps.clock.now(),
        addedBy: staff.userId,
      });
      const labels = ((await labelsOf(uow.trx, [conversationId])).get(conversationId) ?? []).map(presentLabel);
      if (added) uow.emit(domainEvent('conversation.labelled', { conversationId, labels }));
      return labels;
    });
  }

  async takeOff(staff: StaffPrincipal, conversationId: string, labelId: string): Promise<LabelView[]> {
    await this.deps.conversations.requireReadable(staff, conversationId);
    return inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      const removed = await removeConversationLabel(uow.trx, conversationId, labelId);
      const labels = ((await labelsOf(uow.trx, [conversationId])).get(conversationId) ?? []).map(presentLabel);
      if (removed) uow.emit(domainEvent('conversation.labelled', { conversationId, labels }));
      return labels;
    });
  }
}
