/**
 * The rules of appending a batch of messages, as a pure function: given the batch and what the database holds for
 * it (read inside the writer's transaction, with the conversation rows locked), decide each message's fate and the
 * writes. The SQLite writer thread and the PostgreSQL writer run these same rules; only their I/O differs
 * (`sqlite-append.procedure.ts`, `pg-append.ts`). The PostgreSQL single-round-trip function
 * (`sc_append_messages`, migration 2026-12-07T0000) is the same rules in SQL, held to them by the same tests.
 *
 * Per message, in batch order:
 *   1. the conversation exists and the author may see it (the owner, or staff)   → else not_found
 *   2. the (conversation, author, client id) was stored before, also earlier in this batch → the original, once
 *   3. the conversation is open (waiting or active)                              → else conversation_closed
 *   4. staff authors are participants                                           → else not_a_participant
 *   5. referenced uploads are this author's, in this conversation, unclaimed    → else not_found / attachment_in_use
 *   6. seq = lastSeq + 1; publicSeq = lastPublicSeq + 1 unless a note; counters move with it.
 *   7. its effects become outbox rows in the same transaction (src/jobs/ carries them out after the commit).
 */
import type { ErrorCode } from '../../../shared/errors.js';
import type { AttachmentRow } from '../../attachments/attachment.repository.js';
import type { ConversationRow, MessageRow } from '../conversation.repository.js';

/** A message ready to store: encrypted already (encryption never runs inside a transaction). */
export interface NewMessage {
  id: string;
  conversationId: string;
  kind: MessageRow['kind'];
  authorType: MessageRow['authorType'];
  authorId: string | null;
  /** Staff: their display name. Visitors and customers: filled in from the conversation's display name. */
  authorName: string;
  authorTitle: string | null;
  clientMsgId: string | null;
  body: Buffer;
  createdAt: number;
}

export interface AppendItem {
  message: NewMessage;
  /** Uploads (by the message's author, in its conversation) to bind to the message in the same transaction. */
  attachmentIds: readonly string[];
  /**
   * Side effects of storing it: outbox rows written in the same transaction (payload `{ messageId, conversationId,
   * at }`, `at` the real time of the commit).
   */
  effects?: readonly MessageEffect[];
}

/** An outbox row to write with a stored message; `onlyWithEmail`: only if its conversation has an e-mail address. */
export interface MessageEffect {
  topic: string;
  onlyWithEmail?: boolean;
}

/** Outbox rows of a batch: one per (stored message, effect), keyed `<topic>:<messageId>`. */
export interface PlannedEffect {
  topic: string;
  messageId: string;
  conversationId: string;
}

/** What the database holds for a batch, read with the batch's conversation rows locked. */
export interface BatchState {
  conversations: Map<string, ConversationRow>;
  /** Earlier messages with the same (conversation, author, client id), by `dedupeKey`. */
  existing: Map<string, MessageRow>;
  /** `participantKey(conversationId, userId)` of the staff authors who are participants. */
  participants: Set<string>;
  /** Referenced uploads that exist in the message's conversation, by id (any uploader, claimed or not). */
  uploads: Map<string, AttachmentRow>;
}

/** One message's fate. */
export type PlannedOutcome =
  | { kind: 'stored'; message: MessageRow; attachments: AttachmentRow[] }
  | { kind: 'duplicate'; message: MessageRow }
  | { kind: 'refused'; code: ErrorCode; message?: string };

export interface BatchPlan {
  outcomes: PlannedOutcome[];
  /** New rows, in sequence order per conversation. */
  inserts: MessageRow[];
  /** Uploads to bind: every id must still be unclaimed when written, or the whole batch is retried. */
  claims: { messageId: string; conversationId: string; uploaderId: string; ids: string[] }[];
  /** Conversations whose counters moved, with their new values (the locked rows, updated in place). */
  touched: ConversationRow[];
  /** Outbox rows to write in the same transaction. */
  effects: PlannedEffect[];
}

export const dedupeKey = (m: { conversationId: string; authorId: string | null; clientMsgId: string | null }) =>
  `${m.conversationId}\u0000${m.authorId ?? ''}\u0000${m.clientMsgId ?? ''}`;

export const participantKey = (conversationId: string, userId: string) => `${conversationId}\u0000${userId}`;

/** Whether a message takes part in dedupe (system lines have no client id). */
export const isDeduped = (m: NewMessage): m is NewMessage & { clientMsgId: string; authorId: string } =>
  m.clientMsgId !== null && m.authorId !== null;

const OPEN: readonly ConversationRow['status'][] = ['waiting', 'active'];
const MISSING_FILE = 'One of these files does not exist (or has expired); attach it again.';

/** Whether the author may see the conversation at all: its owner, staff, or the system. */
function mayAddress(m: NewMessage, c: ConversationRow): boolean {
  if (m.authorType === 'visitor') return c.visitorId === m.authorId && c.customerId === null;
  if (m.authorType === 'customer') return c.customerId === m.authorId;
  return true;
}

/**
 * Numbers one message on its (locked) conversation row and moves the row's counters in place. Shared with the
 * lifecycle changes (join, close…) that append a system line in their own transaction.
 */
export function assignSequence(conversation: ConversationRow, m: NewMessage): MessageRow {
  conversation.lastSeq += 1;
  const publicSeq = m.kind === 'note' ? null : (conversation.lastPublicSeq += 1);
  conversation.lastMessageAt = m.createdAt;
  conversation.updatedAt = m.createdAt;
  if (m.authorType === 'staff' && m.kind === 'text' && conversation.firstResponseAt === null) {
    conversation.firstResponseAt = m.createdAt;
  }
  // Writing means having read everything before: the owner's read position moves with their own messages.
  if ((m.authorType === 'visitor' || m.authorType === 'customer') && publicSeq !== null)
    conversation.ownerReadSeq = Math.max(conversation.ownerReadSeq, publicSeq);
  const authorName =
    m.authorType === 'visitor' || m.authorType === 'customer' ? conversation.displayName : m.authorName;
  return { ...m, authorName, seq: conversation.lastSeq, publicSeq };
}

/** Decides every message of a batch (see the file comment); mutates `state` (counters, dedupe map). */
export function planAppend(items: readonly AppendItem[], state: BatchState): BatchPlan {
  const plan: BatchPlan = { outcomes: [], inserts: [], claims: [], touched: [], effects: [] };
  const touched = new Set<ConversationRow>();
  const claimed = new Set<string>();
  for (const { message: m, attachmentIds, effects = [] } of items) {
    const conversation = state.conversations.get(m.conversationId);
    if (!conversation || !mayAddress(m, conversation)) {
      plan.outcomes.push({ kind: 'refused', code: 'not_found' });
      continue;
    }
    const key = isDeduped(m) ? dedupeKey(m) : undefined;
    const original = key === undefined ? undefined : state.existing.get(key);
    if (original) {
      plan.outcomes.push({ kind: 'duplicate', message: original });
      continue;
    }
    if (!OPEN.includes(conversation.status)) {
      plan.outcomes.push({ kind: 'refused', code: 'conversation_closed' });
      continue;
    }
    if (m.authorType === 'staff' && !state.participants.has(participantKey(m.conversationId, m.authorId ?? ''))) {
      plan.outcomes.push({ kind: 'refused', code: 'not_a_participant' });
      continue;
    }
    const files: AttachmentRow[] = [];
    let refusal: PlannedOutcome | undefined;
    for (const id of attachmentIds) {
      const upload = state.uploads.get(id);
      if (!upload || upload.conversationId !== m.conversationId || upload.uploaderId !== m.authorId) {
        refusal = { kind: 'refused', code: 'not_found', message: MISSING_FILE };
        break;
      }
      if (upload.messageId !== null || claimed.has(id)) {
        refusal = { kind: 'refused', code: 'attachment_in_use' };
        break;
      }
      files.push(upload);
    }
    if (refusal) {
      plan.outcomes.push(refusal);
      continue;
    }
    const row = assignSequence(conversation, m);
    touched.add(conversation);
    plan.inserts.push(row);
    if (files.length > 0) {
      for (const f of files) claimed.add(f.id);
      plan.claims.push({
        messageId: row.id,
        conversationId: row.conversationId,
        uploaderId: m.authorId!,
        ids: files.map((f) => f.id),
      });
    }
    for (const effect of effects) {
      if (effect.onlyWithEmail && !conversation.email) continue;
      plan.effects.push({ topic: effect.topic, messageId: row.id, conversationId: row.conversationId });
    }
    if (key !== undefined) state.existing.set(key, row);
    plan.outcomes.push({ kind: 'stored', message: row, attachments: files.map((f) => ({ ...f, messageId: row.id })) });
  }
  plan.touched = [...touched];
  return plan;
}
