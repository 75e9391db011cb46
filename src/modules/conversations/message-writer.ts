import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Db, Dialect } from '../../db/database.js';
import { inTransaction, type Tx, type UnitOfWork } from '../../db/transaction.js';
import { domainEvent } from '../../events/domain-events.js';
import type { EventBus } from '../../events/event-bus.js';
import { AppError } from '../../shared/errors.js';
import {
  claimAttachments,
  findUploadedBy,
  releaseClaims,
  type AttachmentRow,
} from '../attachments/attachment.repository.js';
import { attachmentEventItems } from '../attachments/attachment.service.js';
import {
  findByClientIds,
  insertMessages,
  listParticipants,
  lockConversations,
  updateConversation,
  type ConversationRow,
  type MessageRow,
} from './conversation.repository.js';

/** A message ready to store: encrypted already (encryption never runs inside a transaction). */
export interface NewMessage {
  id: string;
  conversationId: string;
  kind: MessageRow['kind'];
  authorType: MessageRow['authorType'];
  authorId: string | null;
  authorName: string;
  authorTitle: string | null;
  clientMsgId: string | null;
  body: Buffer;
  createdAt: number;
}

/** Whether a staff member is a participant of a conversation (for permission checks). */
export type IsParticipant = (conversationId: string, userId: string) => Promise<boolean>;

export interface AppendRequest {
  message: NewMessage;
  /**
   * Re-checks permission on the locked conversation row, inside the transaction. Throw AppError to refuse.
   * `isParticipant` answers from the batch's participants, read in one query on first use.
   */
  check?: (conversation: ConversationRow, isParticipant: IsParticipant) => void | Promise<void>;
  /**
   * Uploads (by the message's author, in its conversation) to bind to the message in the same transaction. The
   * claim is guarded by `message_id IS NULL` on the locked conversation, so two messages never share a file:
   * the loser gets attachment_in_use, an expired upload not_found, and the message is not stored.
   */
  attachmentIds?: readonly string[];
}

export type AppendResult = { message: MessageRow; duplicate: boolean };

/** A message this instance's writer committed, with its conversation row as of the commit. */
export interface CommittedMessage {
  message: MessageRow;
  conversation: ConversationRow;
}

const MAX_BATCH = 512;

/**
 * Assigns sequence numbers and inserts messages for one conversation row that the caller has locked, updating the
 * row's counters in place. Shared by the group-commit writer and by lifecycle changes (join, close…) that add a
 * system line in the same transaction as their status change.
 */
export async function appendToLockedConversation(
  uow: UnitOfWork,
  conversation: ConversationRow,
  messages: NewMessage[],
): Promise<MessageRow[]> {
  const rows = messages.map((m) => assignSequence(conversation, m));
  await insertMessages(uow.trx, rows);
  await saveCounters(uow, conversation);
  for (const row of rows) uow.emit(messageCreatedEvent(row, conversation, []));
  return rows;
}

function assignSequence(conversation: ConversationRow, m: NewMessage): MessageRow {
  conversation.lastSeq += 1;
  const publicSeq = m.kind === 'note' ? null : (conversation.lastPublicSeq += 1);
  conversation.lastMessageAt = m.createdAt;
  conversation.updatedAt = m.createdAt;
  if (m.authorType === 'staff' && m.kind === 'text' && conversation.firstResponseAt === null) {
    conversation.firstResponseAt = m.createdAt;
  }
  // Writing means having read everything before: the owner's read position moves with their own messages.
  if ((m.authorType === 'visitor' || m.authorType === 'customer') && publicSeq !== null)
    conversation.ownerReadSeq = publicSeq;
  return { ...m, seq: conversation.lastSeq, publicSeq };
}

function saveCounters(uow: UnitOfWork, c: ConversationRow): Promise<unknown> {
  return updateConversation(uow.trx, c.id, {
    lastSeq: c.lastSeq,
    lastPublicSeq: c.lastPublicSeq,
    lastMessageAt: c.lastMessageAt,
    updatedAt: c.updatedAt,
    firstResponseAt: c.firstResponseAt,
    ownerReadSeq: c.ownerReadSeq,
  });
}

function messageCreatedEvent(row: MessageRow, conversation: ConversationRow, attachments: AttachmentRow[]) {
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
  request: AppendRequest;
  resolve: (result: AppendResult) => void;
  reject: (err: unknown) => void;
}

export interface WriterStats {
  batches: number;
  messages: number;
}

/**
 * Group commit for the send path: concurrent sends are queued and written by one batching writer — a bounded
 * batch per tick, one transaction (one fsync), conversation rows locked in id order — and each sender is
 * acknowledged only after that commit. Duplicate client ids return the original message (dedupe on
 * conversation + author + client id, also within a batch).
 */
export class MessageWriter {
  private queue: Pending[] = [];
  private flushing = false;
  private scheduled = false;
  private closed = false;
  readonly stats: WriterStats = { batches: 0, messages: 0 };
  /** Called after each committed batch with its size (metrics). */
  onBatch: (size: number) => void = () => undefined;
  /**
   * Called after each commit with the messages it stored, on the committing instance only (unlike bus events,
   * which every instance receives): work that must happen once per message hangs here (offline reply e-mails).
   */
  readonly committedListeners = new Set<(committed: CommittedMessage[]) => void>();

  constructor(private readonly deps: { db: Db; dialect: Dialect; bus: EventBus; clock: Clock; logger: Logger }) {}

  append(request: AppendRequest): Promise<AppendResult> {
    if (this.closed)
      return Promise.reject(new AppError('service_unavailable', 'The server is shutting down; please retry.'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        await this.writeBatch(batch);
      }
    } finally {
      this.flushing = false;
      if (this.queue.length > 0) this.schedule();
    }
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    let outcomes: (AppendResult | Error)[];
    const committed: CommittedMessage[] = [];
    try {
      outcomes = await inTransaction(this.deps.db, this.deps.bus, (uow) => {
        committed.length = 0;
        return this.apply(uow, batch, committed);
      });
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
      for (const item of batch) await this.writeBatch([item]);
      return;
    }
    const written = outcomes.filter((o) => !(o instanceof Error) && !o.duplicate).length;
    this.stats.batches += 1;
    this.stats.messages += written;
    this.onBatch(written);
    for (const listener of this.committedListeners) {
      try {
        if (committed.length > 0) listener(committed);
      } catch (err) {
        this.deps.logger.error({ err }, 'committed-message listener failed');
      }
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome instanceof Error) item.reject(outcome);
      else item.resolve(outcome);
    });
  }

  private async apply(
    uow: UnitOfWork,
    batch: Pending[],
    committed: CommittedMessage[],
  ): Promise<(AppendResult | Error)[]> {
    const ids = [...new Set(batch.map((p) => p.request.message.conversationId))];
    const conversations = await lockConversations(uow.trx, this.deps.dialect, ids);
    const dedupeKeys = batch
      .map((p) => p.request.message)
      .filter(
        (m): m is NewMessage & { clientMsgId: string; authorId: string } =>
          m.clientMsgId !== null && m.authorId !== null,
      )
      .map((m) => ({ conversationId: m.conversationId, authorId: m.authorId, clientMsgId: m.clientMsgId }));
    const existing = new Map<string, MessageRow>();
    for (const row of await findByClientIds(uow.trx, dedupeKeys)) existing.set(keyOf(row), row);

    const isParticipant = batchParticipants(uow.trx, ids);
    const outcomes: (AppendResult | Error)[] = [];
    const fresh: MessageRow[] = [];
    const attachmentsOf = new Map<MessageRow, AttachmentRow[]>();
    const touched = new Set<ConversationRow>();
    for (const { request } of batch) {
      const m = request.message;
      const conversation = conversations.get(m.conversationId);
      if (!conversation) {
        outcomes.push(new AppError('not_found'));
        continue;
      }
      const key = m.clientMsgId !== null && m.authorId !== null ? keyOf(m) : undefined;
      const original = key ? existing.get(key) : undefined;
      if (original) {
        outcomes.push({ message: original, duplicate: true });
        continue;
      }
      let attachments: AttachmentRow[];
      try {
        await request.check?.(conversation, isParticipant);
        attachments = await claimFor(uow.trx, m, request.attachmentIds ?? []);
      } catch (err) {
        outcomes.push(err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      const row = assignSequence(conversation, m);
      attachmentsOf.set(row, attachments);
      fresh.push(row);
      touched.add(conversation);
      if (key) existing.set(key, row);
      outcomes.push({ message: row, duplicate: false });
    }
    await insertMessages(uow.trx, fresh);
    for (const conversation of touched) await saveCounters(uow, conversation);
    for (const row of fresh) {
      uow.emit(messageCreatedEvent(row, conversations.get(row.conversationId)!, attachmentsOf.get(row) ?? []));
      committed.push({ message: row, conversation: conversations.get(row.conversationId)! });
    }
    return outcomes;
  }

  /** Refuses new work and waits for queued writes to commit (graceful shutdown). */
  async drain(): Promise<void> {
    this.closed = true;
    while (this.flushing || this.queue.length > 0 || this.scheduled) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

/**
 * Participants of every conversation in the batch, read with one query the first time a check asks (a batch of
 * agent messages used to cost one round trip per message while the transaction held its locks).
 */
function batchParticipants(trx: Tx, conversationIds: string[]): IsParticipant {
  const key = (conversationId: string, userId: string) => `${conversationId}\u0000${userId}`;
  let participants: Promise<Set<string>> | undefined;
  return async (conversationId, userId) => {
    participants ??= listParticipants(trx, conversationIds).then(
      (rows) => new Set(rows.map((r) => key(r.conversationId, r.userId))),
    );
    return (await participants).has(key(conversationId, userId));
  };
}

/** Binds the message's uploads to it (see AppendRequest.attachmentIds); the rows, for the event. */
async function claimFor(trx: Tx, m: NewMessage, ids: readonly string[]): Promise<AttachmentRow[]> {
  if (ids.length === 0) return [];
  if (m.authorId === null) throw new AppError('not_found');
  const rows = await findUploadedBy(trx, m.conversationId, m.authorId, [...ids]);
  if (rows.length !== ids.length) {
    throw new AppError('not_found', 'One of these files does not exist (or has expired); attach it again.');
  }
  if (rows.some((r) => r.messageId !== null)) throw new AppError('attachment_in_use');
  const claimed = await claimAttachments(trx, {
    messageId: m.id,
    conversationId: m.conversationId,
    uploaderId: m.authorId,
    ids: [...ids],
  });
  if (claimed !== ids.length) {
    // An upload was removed between the read and the claim (its uploader, or the sweep): claim none of them.
    await releaseClaims(trx, m.id);
    throw new AppError('not_found', 'One of these files does not exist (or has expired); attach it again.');
  }
  return rows;
}

function keyOf(m: { conversationId: string; authorId: string | null; clientMsgId: string | null }): string {
  return `${m.conversationId}\u0000${m.authorId ?? ''}\u0000${m.clientMsgId ?? ''}`;
}
