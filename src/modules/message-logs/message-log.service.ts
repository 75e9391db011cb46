import { z } from 'zod';
import type { Db } from '../../db/database.js';
import type { MessageView, StaffConversationView } from '../../shared/conversations.js';
import type { AuditActor, AuditService } from '../audit/audit.service.js';
import type { ConversationService } from '../conversations/conversation.service.js';
import { listMessagesAfter, listParticipants, type ConversationRow } from '../conversations/conversation.repository.js';
import { presentStaffConversation } from '../conversations/conversation.presenter.js';
import type { StaffPrincipal } from '../identity/principal.js';

/** Filters of the admin message log. Sort keys come from an allow-list; everything is parameterised. */
export const messageLogQuerySchema = z.strictObject({
  status: z.enum(['waiting', 'active', 'closed', 'left']).optional(),
  agentId: z.string().min(1).max(64).optional(),
  customerId: z.string().min(1).max(64).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  /** Matched against decrypted text (case-insensitive), so it is searched after decryption, in chunks. */
  text: z.string().trim().min(1).max(200).optional(),
  sort: z.enum(['lastMessageAt', 'createdAt']).default('lastMessageAt'),
  direction: z.enum(['asc', 'desc']).default('desc'),
  /** Where to continue scanning (from the previous page's `nextCursor`). */
  cursor: z.coerce.number().int().min(0).max(10_000_000).default(0),
  pageSize: z.coerce.number().int().min(1).max(50).default(20),
});
export type MessageLogQuery = z.output<typeof messageLogQuerySchema>;

export interface MessageLogEntry {
  conversation: StaffConversationView;
  messages: MessageView[];
  /** Messages whose text matched the text filter (0 without one). */
  matches: number;
}

const SCAN_CHUNK = 50;
/** At most this many conversations are decrypted per request; the cursor continues from there. */
const SCAN_LIMIT = 500;
const MESSAGES_PER_CONVERSATION = 500;

/**
 * The admin message log: every conversation with its decrypted messages (notes included). Text search decrypts
 * then filters, chunk by chunk, scanning at most SCAN_LIMIT conversations per request (a cursor continues), which
 * is acceptable at this product's scale and keeps plaintext out of the database. Every view is audited.
 */
export class MessageLogService {
  constructor(
    private readonly deps: {
      db: Db;
      conversations: ConversationService;
      audit: AuditService;
      agentTitle: () => string;
    },
  ) {}

  async search(admin: StaffPrincipal, actor: AuditActor, q: MessageLogQuery) {
    await this.deps.audit.record(this.deps.db, actor, {
      action: 'message_logs.viewed',
      details: { filters: { ...q, text: q.text === undefined ? undefined : '(text search)' } },
    });
    const needle = q.text?.normalize('NFC').toLowerCase();
    const entries: MessageLogEntry[] = [];
    let cursor = q.cursor;
    let scanned = 0;
    let exhausted = false;
    while (entries.length < q.pageSize && scanned < SCAN_LIMIT) {
      const rows = await this.candidates(q, cursor, SCAN_CHUNK);
      if (rows.length === 0) {
        exhausted = true;
        break;
      }
      for (const row of rows) {
        cursor += 1;
        scanned += 1;
        const entry = await this.entry(admin, row, needle);
        if (entry) entries.push(entry);
        if (entries.length >= q.pageSize) break;
      }
      if (rows.length < SCAN_CHUNK && entries.length < q.pageSize) {
        exhausted = true;
        break;
      }
    }
    return { entries, nextCursor: exhausted ? null : cursor, scanned };
  }

  private async entry(
    admin: StaffPrincipal,
    row: ConversationRow,
    needle: string | undefined,
  ): Promise<MessageLogEntry | undefined> {
    const rows = await listMessagesAfter(this.deps.db, row.id, 0, MESSAGES_PER_CONVERSATION, 'staff');
    const messages = await this.deps.conversations.decryptAll(rows, { side: 'staff', principal: admin });
    const matches = needle ? messages.filter((m) => m.text?.normalize('NFC').toLowerCase().includes(needle)).length : 0;
    if (needle && matches === 0) return undefined;
    const participants = await listParticipants(this.deps.db, [row.id]);
    return { conversation: presentStaffConversation(row, participants, this.deps.agentTitle()), messages, matches };
  }

  private candidates(q: MessageLogQuery, offset: number, limit: number): Promise<ConversationRow[]> {
    let query = this.deps.db.selectFrom('conversations').selectAll('conversations');
    if (q.status) query = query.where('conversations.status', '=', q.status);
    if (q.customerId) query = query.where('conversations.customerId', '=', q.customerId);
    if (q.from) query = query.where('conversations.lastMessageAt', '>=', Date.parse(q.from));
    if (q.to) query = query.where('conversations.createdAt', '<', Date.parse(q.to));
    if (q.agentId) {
      const agentId = q.agentId;
      query = query.where((eb) =>
        eb.or([
          eb.exists(
            eb
              .selectFrom('conversationParticipants as p')
              .select('p.userId')
              .whereRef('p.conversationId', '=', 'conversations.id')
              .where('p.userId', '=', agentId),
          ),
          eb.exists(
            eb
              .selectFrom('messages as m')
              .select('m.id')
              .whereRef('m.conversationId', '=', 'conversations.id')
              .where('m.authorId', '=', agentId),
          ),
        ]),
      );
    }
    return query
      .orderBy(q.sort === 'createdAt' ? 'conversations.createdAt' : 'conversations.lastMessageAt', q.direction)
      .orderBy('conversations.id')
      .limit(limit)
      .offset(offset)
      .execute();
  }
}
