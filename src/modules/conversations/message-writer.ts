import type { Logger } from '../../core/logger.js';
import type { UnitOfWork } from '../../db/transaction.js';
import { domainEvent } from '../../events/domain-events.js';
import type { EventBus } from '../../events/event-bus.js';
import { AppError } from '../../shared/errors.js';
import type { AttachmentRow } from '../attachments/attachment.repository.js';
import { attachmentEventItems } from '../attachments/attachment.service.js';
import { assignSequence, type AppendItem, type MessageEffect, type NewMessage } from './append/append-plan.js';
import type { AppendOutcome, BatchAppender, CommittedConversation } from './append/batch-appender.js';
import {
  insertMessages,
  updateConversation,
  type ConversationRow,
  type MessageRow,
} from './conversation.repository.js';

export type { NewMessage } from './append/append-plan.js';

export interface AppendRequest {
  /**
   * The message, encrypted. Its author is checked on the locked conversation row inside the transaction: the
   * owner (visitor or customer) of the conversation, or staff who joined it; it must be open.
   */
  message: NewMessage;
  /**
   * Uploads (by the message's author, in its conversation) to bind to the message in the same transaction. Two
   * messages never share a file: the loser gets attachment_in_use, an expired upload not_found, and the message is
   * not stored.
   */
  attachmentIds?: readonly string[];
  /** Outbox rows to write with the message if it is stored (e.g. a reply e-mail to queue): in the same transaction. */
  effects?: readonly MessageEffect[];
}

export type AppendResult = { message: MessageRow; duplicate: boolean; attachments: AttachmentRow[] };

/** Messages per transaction at most; a lane takes whatever queued while its previous batch was committing. */
const MAX_BATCH = 512;

/**
 * Assigns sequence numbers and inserts messages for one conversation row that the caller has locked, updating the
 * row's counters in place. For lifecycle changes (join, close…) that add a system line in the same transaction
 * as their status change; sends go through the MessageWriter.
 */
export async function appendToLockedConversation(
  uow: UnitOfWork,
  conversation: ConversationRow,
  messages: NewMessage[],
): Promise<MessageRow[]> {
  const rows = messages.map((m) => assignSequence(conversation, m));
  await insertMessages(uow.trx, rows);
  await updateConversation(uow.trx, conversation.id, {
    lastSeq: conversation.lastSeq,
    lastPublicSeq: conversation.lastPublicSeq,
    lastMessageAt: conversation.lastMessageAt,
    updatedAt: conversation.updatedAt,
    firstResponseAt: conversation.firstResponseAt,
    ownerReadSeq: conversation.ownerReadSeq,
  });
  for (const row of rows) uow.emit(messageCreatedEvent(row, conversation, []));
  return rows;
}

function messageCreatedEvent(row: MessageRow, conversation: CommittedConversation, attachments: AttachmentRow[]) {
  return domainEvent('message.created', {
    conversationId: row.conversationId,
    id: row.id,
    seq: row.seq,
    publicSeq: row.publicSeq,
    kind: row.kind,
    authorType: row.authorType,
    authorId: row.authorId,
    authorName: row.authorName,
    authorTitle: row.authorTitle,
    clientMsgId: row.clientMsgId,
    // Still encrypted: the bus (and Redis) never carry message plaintext; each instance decrypts once.
    body: row.body.toString('base64'),
    createdAt: row.createdAt,
    visitorId: conversation.visitorId,
    customerId: conversation.customerId,
    // Metadata only (names still encrypted); the bytes stay in the storage.
    attachments: attachmentEventItems(attachments),
  });
}

interface Pending {
  item: AppendItem;
  resolve: (result: AppendResult) => void;
  reject: (err: unknown) => void;
}

export interface WriterStats {
  batches: number;
  messages: number;
}

/** One serial writer: its queue, and whether a batch of it is being committed. */
interface Lane {
  queue: Pending[];
  busy: boolean;
}

/**
 * Group commit for the send path. Concurrent sends are queued; a lane writes whatever queued while its previous
 * batch was committing as one batch, in one transaction (one fsync), and acknowledges each sender only after that
 * commit. The database work is the appender's (`append/`): on SQLite it runs in the writer thread, so the event
 * loop never waits on an fsync; on PostgreSQL a batch of text messages is one round trip.
 *
 * Lanes: a conversation always maps to the same lane (its messages stay in order), and lanes commit in parallel
 * (PostgreSQL: one connection each, so queued batches never wait behind one connection; SQLite has one writer, so
 * one lane). Per message the rules of `append/append-plan.ts` apply: the author may write there (checked on the
 * locked row, every message), duplicates of a client id return the original, seq and publicSeq stay gapless.
 */
export class MessageWriter {
  private readonly lanes: Lane[];
  private closed = false;
  readonly stats: WriterStats = { batches: 0, messages: 0 };
  /** Called after each committed batch with its size (metrics). */
  onBatch: (size: number) => void = () => undefined;

  constructor(private readonly deps: { appender: BatchAppender; bus: EventBus; logger: Logger; lanes?: number }) {
    this.lanes = Array.from({ length: Math.max(1, deps.lanes ?? 1) }, () => ({ queue: [], busy: false }));
  }

  append(request: AppendRequest): Promise<AppendResult> {
    if (this.closed)
      return Promise.reject(new AppError('service_unavailable', 'The server is shutting down; please retry.'));
    const lane = this.lanes[this.laneOf(request.message.conversationId)]!;
    return new Promise((resolve, reject) => {
      lane.queue.push({
        item: { message: request.message, attachmentIds: request.attachmentIds ?? [], effects: request.effects },
        resolve,
        reject,
      });
      if (!lane.busy) {
        lane.busy = true;
        // Let the sends of this tick join the batch.
        setImmediate(() => void this.run(lane));
      }
    });
  }

  private laneOf(conversationId: string): number {
    if (this.lanes.length === 1) return 0;
    let h = 0;
    for (let i = 0; i < conversationId.length; i++) h = (h * 31 + conversationId.charCodeAt(i)) | 0;
    return Math.abs(h) % this.lanes.length;
  }

  private async run(lane: Lane): Promise<void> {
    try {
      while (lane.queue.length > 0) await this.writeBatch(lane.queue.splice(0, MAX_BATCH));
    } finally {
      lane.busy = false;
    }
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    let result;
    try {
      result = await this.deps.appender.append(batch.map((p) => p.item));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // Something failed the whole batch: write each on its own so one bad request cannot sink the others.
      this.deps.logger.warn(
        { err: { message: (err as Error).message }, size: batch.length },
        'batch failed; retrying one by one',
      );
      for (const p of batch) await this.writeBatch([p]);
      return;
    }
    let stored = 0;
    result.outcomes.forEach((o: AppendOutcome) => {
      if ('error' in o || o.duplicate) return;
      stored += 1;
      const conversation = result.conversations.get(o.message.conversationId)!;
      this.deps.bus.publish(messageCreatedEvent(o.message, conversation, o.attachments));
    });
    // Side effects were written as outbox rows in the batch's transaction: wake the jobs runner (src/jobs/).
    if (result.enqueued) this.deps.bus.publish(domainEvent('outbox.enqueued', { count: stored }));
    this.stats.batches += 1;
    this.stats.messages += stored;
    this.onBatch(stored);
    batch.forEach((p, i) => {
      const o = result.outcomes[i]!;
      if ('error' in o) p.reject(o.error);
      else p.resolve(o);
    });
  }

  /** Refuses new work and waits for queued writes to commit (graceful shutdown). */
  async drain(): Promise<void> {
    this.closed = true;
    while (this.lanes.some((l) => l.busy || l.queue.length > 0)) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
