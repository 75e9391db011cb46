import { DateTime } from 'luxon';
import type { Db } from '../../db/database.js';
import type { SearchHit, SearchPage, SearchQuery } from '../../shared/desk-tools.js';
import { AppError } from '../../shared/errors.js';
import { listMessagesAfter, listParticipants, type ConversationRow } from '../conversations/conversation.repository.js';
import type { ConversationService } from '../conversations/conversation.service.js';
import type { StaffPrincipal } from '../identity/principal.js';
import { labelsOf } from '../labels/label.repository.js';
import { presentLabel } from '../labels/label.service.js';
import type { SettingsService } from '../settings/settings.service.js';
import { presentSnooze } from '../snooze/snooze.service.js';
import { ratingsOf, searchCandidates, type SearchFilters, type SearchPosition } from './search.repository.js';

/** Conversations read from the database per chunk. */
const CHUNK = 25;
/** A text search decrypts at most this many conversations per request; the cursor continues from there. */
export const SCAN_LIMIT = 200;
/** …and at most this many messages (whichever comes first). */
export const MESSAGE_BUDGET = 10_000;
const MESSAGE_PAGE = 500;
const SNIPPET_CONTEXT = 60;

const encodeCursor = (p: SearchPosition) => Buffer.from(`${p.createdAt}:${p.id}`, 'utf8').toString('base64url');

function decodeCursor(cursor: string | undefined): SearchPosition | undefined {
  if (cursor === undefined) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(\d{1,16}):([A-Za-z0-9-]{1,64})$/.exec(text);
  if (!match) {
    throw new AppError('validation_failed', undefined, {
      fields: [
        { path: 'cursor', message: 'This cursor is not valid; start the search again.', code: 'cursor_invalid' },
      ],
    });
  }
  return { createdAt: Number(match[1]), id: match[2]! };
}

const fold = (text: string) => text.normalize('NFC').toLowerCase();

/** The first match of `needle` in `text`, with a few words either side. */
export function snippetAround(text: string, needle: string): string | null {
  const at = fold(text).indexOf(needle);
  if (at < 0) return null;
  const start = Math.max(0, at - SNIPPET_CONTEXT);
  const end = Math.min(text.length, at + needle.length + SNIPPET_CONTEXT);
  return `${start > 0 ? '…' : ''}${text.slice(start, end).replace(/\s+/g, ' ').trim()}${end < text.length ? '…' : ''}`;
}

/**
 * The desk's conversation search. SQL does the filters (status, agent, label, contact, dates, retention); message
 * bodies are encrypted, so a text search decrypts each candidate's messages (notes included: staff see them) and
 * keeps those that match, in bounded chunks: at most SCAN_LIMIT conversations and MESSAGE_BUDGET messages per
 * request, newest first, with a keyset cursor to continue (a page may come back short but never skips anything).
 * Staff may read every conversation, so every staff member may search them all; nobody else reaches this.
 */
export class SearchService {
  constructor(
    private readonly deps: {
      db: Db;
      conversations: ConversationService;
      settings: SettingsService;
      timezone: string;
      now: () => number;
    },
  ) {}

  private filters(q: SearchQuery): SearchFilters {
    const zone = this.deps.timezone;
    const day = (date: string) => DateTime.fromISO(date, { zone }).startOf('day');
    const from = q.from === undefined ? undefined : day(q.from).toMillis();
    const to = q.to === undefined ? undefined : day(q.to).plus({ days: 1 }).toMillis();
    if (from !== undefined && to !== undefined && from >= to) {
      throw new AppError('validation_failed', undefined, {
        fields: [{ path: 'to', message: 'The end date is before the start date.', code: 'date_range_invalid' }],
      });
    }
    const days = this.deps.settings.get('retention.days');
    return {
      status: q.status,
      agentId: q.agentId,
      labelId: q.labelId,
      contact: q.contact,
      from,
      to,
      retentionCutoff: days === null ? undefined : this.deps.now() - days * 86_400_000,
    };
  }

  async search(staff: StaffPrincipal, q: SearchQuery): Promise<SearchPage> {
    const filters = this.filters(q);
    const start = decodeCursor(q.cursor);
    if (q.text === undefined) {
      // Filters only: one query of pageSize + 1 also tells whether more exist.
      const rows = await searchCandidates(this.deps.db, filters, start, q.pageSize + 1);
      const page = rows.slice(0, q.pageSize);
      const last = page.at(-1);
      return {
        hits: await this.present(page.map((row) => ({ row, matches: 0, snippet: null }))),
        nextCursor: rows.length > q.pageSize && last ? encodeCursor(last) : null,
        scanned: page.length,
      };
    }
    const needle = fold(q.text);
    const found: { row: ConversationRow; matches: number; snippet: string | null }[] = [];
    let position = start;
    let scanned = 0;
    let budget = MESSAGE_BUDGET;
    let exhausted = false;
    scan: while (found.length < q.pageSize) {
      const rows = await searchCandidates(this.deps.db, filters, position, CHUNK);
      for (const row of rows) {
        if (scanned >= SCAN_LIMIT || budget <= 0) break scan;
        scanned += 1;
        position = { createdAt: row.createdAt, id: row.id };
        const match = await this.matchText(staff, row, needle, (n) => (budget -= n));
        if (match.matches > 0) found.push({ row, ...match });
        if (found.length >= q.pageSize) break scan;
      }
      if (rows.length < CHUNK) {
        exhausted = true;
        break;
      }
    }
    return {
      hits: await this.present(found),
      nextCursor: exhausted || !position ? null : encodeCursor(position),
      scanned,
    };
  }

  /** Decrypts a conversation's messages page by page (staff view, notes included) and counts the matches. */
  private async matchText(
    staff: StaffPrincipal,
    row: ConversationRow,
    needle: string,
    spend: (messages: number) => void,
  ): Promise<{ matches: number; snippet: string | null }> {
    let matches = 0;
    let snippet: string | null = null;
    if (row.topicLabel && fold(row.topicLabel).includes(needle)) {
      matches += 1;
      snippet = row.topicLabel;
    }
    let after = 0;
    for (;;) {
      const rows = await listMessagesAfter(this.deps.db, row.id, after, MESSAGE_PAGE, 'staff');
      spend(rows.length);
      const messages = await this.deps.conversations.decryptAll(
        rows.filter((m) => m.kind !== 'system'),
        { side: 'staff', principal: staff },
      );
      for (const m of messages) {
        if (m.text === null || !fold(m.text).includes(needle)) continue;
        matches += 1;
        snippet ??= snippetAround(m.text, needle);
      }
      if (rows.length < MESSAGE_PAGE) return { matches, snippet };
      after = rows.at(-1)!.seq;
    }
  }

  private async present(
    found: { row: ConversationRow; matches: number; snippet: string | null }[],
  ): Promise<SearchHit[]> {
    const ids = found.map((f) => f.row.id);
    const [participants, labels, ratings] = await Promise.all([
      listParticipants(this.deps.db, ids),
      labelsOf(this.deps.db, ids),
      ratingsOf(this.deps.db, ids),
    ]);
    return found.map(({ row, matches, snippet }) => ({
      id: row.id,
      displayName: row.displayName,
      email: row.email,
      isCustomer: row.customerId !== null,
      topic: row.topicLabel,
      status: row.status,
      createdAt: new Date(row.createdAt).toISOString(),
      lastMessageAt: new Date(row.lastMessageAt).toISOString(),
      agents: participants
        .filter((p) => p.conversationId === row.id)
        .map((p) => ({ userId: p.userId, name: p.displayName })),
      labels: (labels.get(row.id) ?? []).map(presentLabel),
      snooze: presentSnooze(row),
      csatRating: ratings.get(row.id) ?? null,
      matches,
      snippet,
    }));
  }
}
