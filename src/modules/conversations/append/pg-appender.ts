/**
 * PostgreSQL: a batch of text messages is one call of `sc_append_messages` (migration 2026-12-07T0000), outside any
 * transaction, so the call is its own transaction: one round trip, one commit. A batch that binds files takes the
 * general path: a transaction that locks, reads, applies `append-plan.ts` and writes, statement by statement.
 */
import { sql } from 'kysely';
import type { Db } from '../../../db/database.js';
import { insertOutbox, outboxRow } from '../../../db/outbox.js';
import { AppError, type ErrorCode } from '../../../shared/errors.js';
import { claimAttachments, type AttachmentRow } from '../../attachments/attachment.repository.js';
import {
  findByClientIds,
  insertMessages,
  listParticipants,
  lockConversations,
  updateConversation,
  type MessageRow,
} from '../conversation.repository.js';
import { isDeduped, participantKey, planAppend, dedupeKey, type AppendItem, type BatchState } from './append-plan.js';
import type { AppendBatchResult, AppendOutcome, BatchAppender, CommittedConversation } from './batch-appender.js';

interface FunctionRow {
  i: number;
  verdict: 'ok' | 'duplicate' | 'same_as' | ErrorCode;
  ref: number | null;
  seq: number | null;
  publicSeq: number | null;
  authorName: string | null;
  dupId: string | null;
  dupSeq: number | null;
  dupPublicSeq: number | null;
  dupKind: MessageRow['kind'] | null;
  dupAuthorType: MessageRow['authorType'] | null;
  dupAuthorId: string | null;
  dupAuthorName: string | null;
  dupAuthorTitle: string | null;
  dupClientMsgId: string | null;
  dupBody: Buffer | null;
  dupCreatedAt: number | null;
  visitorId: string | null;
  customerId: string | null;
  email: string | null;
}

export class PgAppender implements BatchAppender {
  constructor(private readonly db: Db) {}

  append(items: AppendItem[]): Promise<AppendBatchResult> {
    return items.some((item) => item.attachmentIds.length > 0)
      ? appendStatementByStatement(this.db, items)
      : appendInOneRoundTrip(this.db, items);
  }
}

/** Text messages: one call of `sc_append_messages` (exported for the tests that hold both paths to one result). */
export async function appendInOneRoundTrip(db: Db, items: AppendItem[]): Promise<AppendBatchResult> {
  // The real time of the send (createdAt comes from the app's clock, which tests may pin): effects record it.
  const sentAt = Date.now();
  const batch = items.map(({ message: m }, i) => ({
    i,
    id: m.id,
    cid: m.conversationId,
    kind: m.kind,
    at: m.authorType,
    aid: m.authorId,
    an: m.authorName,
    ati: m.authorTitle,
    cm: m.clientMsgId,
    b: m.body.toString('base64'),
    ts: m.createdAt,
    fx: (items[i]!.effects ?? []).map((e) => ({ t: e.topic, e: e.onlyWithEmail === true })),
    rt: sentAt,
  }));
  const { rows } = await sql<FunctionRow>`select * from sc_append_messages(${JSON.stringify(batch)}::jsonb)`.execute(
    db,
  );
  const outcomes: AppendOutcome[] = new Array(items.length);
  const conversations = new Map<string, CommittedConversation>();
  const sameAs: FunctionRow[] = [];
  for (const r of rows) {
    const m = items[r.i]!.message;
    if (r.verdict === 'ok') {
      outcomes[r.i] = {
        message: { ...m, seq: r.seq!, publicSeq: r.publicSeq, authorName: r.authorName! },
        duplicate: false,
        attachments: [],
      };
      conversations.set(m.conversationId, {
        id: m.conversationId,
        visitorId: r.visitorId,
        customerId: r.customerId,
        email: r.email,
      });
    } else if (r.verdict === 'duplicate') {
      outcomes[r.i] = {
        message: {
          id: r.dupId!,
          conversationId: m.conversationId,
          seq: r.dupSeq!,
          publicSeq: r.dupPublicSeq,
          kind: r.dupKind!,
          authorType: r.dupAuthorType!,
          authorId: r.dupAuthorId,
          authorName: r.dupAuthorName!,
          authorTitle: r.dupAuthorTitle,
          clientMsgId: r.dupClientMsgId,
          body: r.dupBody!,
          createdAt: r.dupCreatedAt!,
        },
        duplicate: true,
        attachments: [],
      };
    } else if (r.verdict === 'same_as') {
      sameAs.push(r);
    } else {
      outcomes[r.i] = { error: new AppError(r.verdict) };
    }
  }
  // The same send twice in one batch: the later one answers with what the first one stored.
  for (const r of sameAs) {
    const first = outcomes[r.ref!];
    outcomes[r.i] = first && 'message' in first ? { message: first.message, duplicate: true, attachments: [] } : first!;
  }
  if (rows.length !== items.length || outcomes.some((o) => o === undefined)) {
    throw new Error(`sc_append_messages answered ${rows.length} rows for ${items.length} messages`);
  }
  const enqueued = items.some((it, i) => (it.effects?.length ?? 0) > 0 && 'message' in outcomes[i]!);
  return { outcomes, conversations, enqueued };
}

/** The general path: every statement of its own, the rules in TypeScript (batches that bind files). */
export function appendStatementByStatement(db: Db, items: AppendItem[]): Promise<AppendBatchResult> {
  return db.transaction().execute(async (trx) => {
    const ids = [...new Set(items.map((it) => it.message.conversationId))];
    const state: BatchState = {
      conversations: await lockConversations(trx, 'postgres', ids),
      existing: new Map(),
      participants: new Set(),
      uploads: new Map(),
    };
    const keys = items
      .map((it) => it.message)
      .filter(isDeduped)
      .map((m) => ({ conversationId: m.conversationId, authorId: m.authorId, clientMsgId: m.clientMsgId }));
    for (const row of await findByClientIds(trx, keys)) state.existing.set(dedupeKey(row), row);
    if (items.some((it) => it.message.authorType === 'staff')) {
      for (const p of await listParticipants(trx, ids))
        state.participants.add(participantKey(p.conversationId, p.userId));
    }
    const uploadIds = [...new Set(items.flatMap((it) => it.attachmentIds))];
    if (uploadIds.length > 0) {
      const rows = await trx.selectFrom('attachments').selectAll().where('id', 'in', uploadIds).execute();
      for (const row of rows) state.uploads.set(row.id, row);
    }
    const plan = planAppend(items, state);
    for (const claim of plan.claims) {
      // An upload removed since the read (its uploader, or the sweep): the batch fails and is retried one by one.
      if ((await claimAttachments(trx, claim)) !== claim.ids.length) throw new Error('an upload went away');
    }
    await insertMessages(trx, plan.inserts);
    const at = new Map(items.map((it) => [it.message.id, it.message.createdAt]));
    const committedAt = Date.now();
    await insertOutbox(
      trx,
      plan.effects.map((e) => ({
        ...outboxRow(
          {
            topic: e.topic,
            payload: { messageId: e.messageId, conversationId: e.conversationId, at: committedAt },
            key: `${e.topic}:${e.messageId}`,
          },
          at.get(e.messageId)!,
        ),
      })),
    );
    for (const c of plan.touched) {
      await updateConversation(trx, c.id, {
        lastSeq: c.lastSeq,
        lastPublicSeq: c.lastPublicSeq,
        lastMessageAt: c.lastMessageAt,
        updatedAt: c.updatedAt,
        firstResponseAt: c.firstResponseAt,
        ownerReadSeq: c.ownerReadSeq,
      });
    }
    const outcomes = plan.outcomes.map((o): AppendOutcome => {
      if (o.kind === 'stored') return { message: o.message, duplicate: false, attachments: o.attachments };
      if (o.kind === 'duplicate') return { message: o.message, duplicate: true, attachments: [] as AttachmentRow[] };
      return { error: new AppError(o.code, o.message) };
    });
    return {
      outcomes,
      conversations: new Map(plan.touched.map((c) => [c.id, c])),
      enqueued: plan.effects.length > 0,
    };
  });
}
