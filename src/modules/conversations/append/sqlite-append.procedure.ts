/**
 * Group commit on SQLite, inside the writer thread (`src/db/sqlite/writer.worker.ts` runs it in one
 * BEGIN IMMEDIATE … COMMIT): read what the batch needs with prepared statements, apply the rules of
 * `append-plan.ts`, write. SQLite has one writer, so the rows read here cannot change before the commit.
 * Runs synchronously: nothing else happens on the writer connection meanwhile.
 */
import { randomUUID } from 'node:crypto';
import type { ProcedureDb } from '../../../db/sqlite/writer-protocol.js';
import type { AttachmentRow } from '../../attachments/attachment.repository.js';
import type { ConversationRow, MessageRow } from '../conversation.repository.js';
import {
  dedupeKey,
  isDeduped,
  participantKey,
  planAppend,
  type AppendItem,
  type BatchState,
  type PlannedOutcome,
} from './append-plan.js';

/** What crosses back to the main thread: stored messages travel as their numbers only (the caller has the rest). */
export type SqliteAppendOutcome =
  | { kind: 'stored'; seq: number; publicSeq: number | null; authorName: string; attachments: AttachmentRow[] }
  | Exclude<PlannedOutcome, { kind: 'stored' }>;

export interface SqliteAppendOutput {
  outcomes: SqliteAppendOutcome[];
  touched: ConversationRow[];
  /** Outbox rows written. */
  enqueued: number;
}

const CONVERSATION = `select id, visitor_id as "visitorId", customer_id as "customerId", open_owner as "openOwner",
  display_name as "displayName", email, topic_id as "topicId", topic_label as "topicLabel", status,
  last_seq as "lastSeq", last_public_seq as "lastPublicSeq", created_at as "createdAt", updated_at as "updatedAt",
  last_message_at as "lastMessageAt", waiting_since as "waitingSince", first_response_at as "firstResponseAt",
  closed_at as "closedAt", closed_by_id as "closedById", closed_by_name as "closedByName",
  owner_read_seq as "ownerReadSeq" from conversations where id = ?`;
const BY_CLIENT_ID = `select id, conversation_id as "conversationId", seq, public_seq as "publicSeq", kind,
  author_type as "authorType", author_id as "authorId", author_name as "authorName", author_title as "authorTitle",
  client_msg_id as "clientMsgId", body, created_at as "createdAt"
  from messages where conversation_id = ? and author_id = ? and client_msg_id = ?`;
const PARTICIPANT = 'select 1 as yes from conversation_participants where conversation_id = ? and user_id = ?';
const UPLOAD = `select id, conversation_id as "conversationId", message_id as "messageId", uploader_type as "uploaderType",
  uploader_id as "uploaderId", name, extension, mime, size, is_image as "isImage", fingerprint,
  storage_key as "storageKey", created_at as "createdAt" from attachments where id = ? and conversation_id = ?`;
const CLAIM = `update attachments set message_id = ?
  where id = ? and conversation_id = ? and uploader_id = ? and message_id is null`;
const INSERT = `insert into messages (id, conversation_id, seq, public_seq, kind, author_type, author_id, author_name,
  author_title, client_msg_id, body, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const OUTBOX = `insert into outbox (id, topic, payload, dedupe_key, created_at, available_at, attempts)
  values (?, ?, ?, ?, ?, ?, 0) on conflict (dedupe_key) do nothing`;
const COUNTERS = `update conversations set last_seq = ?, last_public_seq = ?, last_message_at = ?, updated_at = ?,
  first_response_at = ?, owner_read_seq = ? where id = ?`;

function toBuffer(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function appendBatch(db: ProcedureDb, items: AppendItem[]): SqliteAppendOutput {
  const state: BatchState = {
    conversations: new Map(),
    existing: new Map(),
    participants: new Set(),
    uploads: new Map(),
  };
  for (const { message: m, attachmentIds } of items) {
    if (!state.conversations.has(m.conversationId)) {
      const row = db.get<ConversationRow>(CONVERSATION, [m.conversationId]);
      if (row) state.conversations.set(m.conversationId, row);
    }
    if (isDeduped(m)) {
      const key = dedupeKey(m);
      if (!state.existing.has(key)) {
        const original = db.get<MessageRow>(BY_CLIENT_ID, [m.conversationId, m.authorId, m.clientMsgId]);
        if (original) state.existing.set(key, original);
      }
    }
    if (m.authorType === 'staff' && m.authorId !== null) {
      if (db.get(PARTICIPANT, [m.conversationId, m.authorId])) {
        state.participants.add(participantKey(m.conversationId, m.authorId));
      }
    }
    for (const id of attachmentIds) {
      const upload = db.get<AttachmentRow>(UPLOAD, [id, m.conversationId]);
      if (upload) state.uploads.set(id, { ...upload, name: toBuffer(upload.name) });
    }
  }

  const plan = planAppend(items, state);
  for (const claim of plan.claims) {
    for (const id of claim.ids) {
      // Cannot fail on SQLite (one writer, rows read above); checked all the same, the batch rolls back if it does.
      if (db.run(CLAIM, [claim.messageId, id, claim.conversationId, claim.uploaderId]).changes !== 1) {
        throw new Error(`attachment ${id} could not be claimed`);
      }
    }
  }
  for (const r of plan.inserts) {
    db.run(INSERT, [
      r.id,
      r.conversationId,
      r.seq,
      r.publicSeq,
      r.kind,
      r.authorType,
      r.authorId,
      r.authorName,
      r.authorTitle,
      r.clientMsgId,
      r.body,
      r.createdAt,
    ]);
  }
  for (const c of plan.touched) {
    db.run(COUNTERS, [
      c.lastSeq,
      c.lastPublicSeq,
      c.lastMessageAt,
      c.updatedAt,
      c.firstResponseAt,
      c.ownerReadSeq,
      c.id,
    ]);
  }
  let enqueued = 0;
  // `at`: the real time of the commit (a message's createdAt comes from the app's clock, which tests may pin).
  const committedAt = Date.now();
  const createdAt = new Map(items.map((it) => [it.message.id, it.message.createdAt]));
  for (const e of plan.effects) {
    const payload = JSON.stringify({ messageId: e.messageId, conversationId: e.conversationId, at: committedAt });
    const at = createdAt.get(e.messageId)!;
    enqueued += db.run(OUTBOX, [randomUUID(), e.topic, payload, `${e.topic}:${e.messageId}`, at, at]).changes;
  }
  return {
    enqueued,
    outcomes: plan.outcomes.map((o) =>
      o.kind === 'stored'
        ? {
            kind: 'stored',
            seq: o.message.seq,
            publicSeq: o.message.publicSeq,
            authorName: o.message.authorName,
            attachments: o.attachments,
          }
        : o,
    ),
    touched: plan.touched,
  };
}

/** Loaded into the writer thread by `SqliteWriterThread.procedure`. */
export const procedures = { 'conversations.append': appendBatch };
