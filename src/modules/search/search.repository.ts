import { sql, type ExpressionBuilder } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import type { ConversationRow } from '../conversations/conversation.repository.js';

/** SQL filters of a desk search (everything but the text, which is matched after decryption). */
export interface SearchFilters {
  status?: 'waiting' | 'active' | 'snoozed' | 'closed' | 'left';
  agentId?: string;
  labelId?: string;
  /** Lower-cased fragment of the contact's name or e-mail. */
  contact?: string;
  /** Created at or after (ms). */
  from?: number;
  /** Created before (ms). */
  to?: number;
  /** Within retention: closed before this, or left and untouched since before it, is out (the purge is due). */
  retentionCutoff?: number;
}

/** Keyset position: newest first by (created_at, id). */
export interface SearchPosition {
  createdAt: number;
  id: string;
}

type Eb = ExpressionBuilder<Database & { c: Database['conversations'] }, 'c'>;

/** `%fragment%` for LIKE with `\` escaping the fragment's own wildcards. */
function containing(fragment: string): string {
  return `%${fragment.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

function lowerLike(column: string, pattern: string) {
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}

/** One page of candidate conversations after `after`, newest first, with every SQL filter applied. */
export function searchCandidates(
  db: Db,
  filters: SearchFilters,
  after: SearchPosition | undefined,
  limit: number,
): Promise<ConversationRow[]> {
  let query = db.selectFrom('conversations as c').selectAll('c');
  const f = filters;
  if (f.status === 'snoozed') query = query.where('c.status', '=', 'active').where('c.snoozedAt', 'is not', null);
  else if (f.status === 'active') query = query.where('c.status', '=', 'active').where('c.snoozedAt', 'is', null);
  else if (f.status) query = query.where('c.status', '=', f.status);
  if (f.from !== undefined) query = query.where('c.createdAt', '>=', f.from);
  if (f.to !== undefined) query = query.where('c.createdAt', '<', f.to);
  if (f.retentionCutoff !== undefined) {
    const cutoff = f.retentionCutoff;
    query = query.where((eb: Eb) =>
      eb.not(
        eb.or([
          eb.and([eb('c.status', '=', 'closed'), eb('c.closedAt', '<', cutoff)]),
          eb.and([eb('c.status', '=', 'left'), eb('c.updatedAt', '<', cutoff)]),
        ]),
      ),
    );
  }
  if (f.labelId !== undefined) {
    const labelId = f.labelId;
    query = query.where((eb: Eb) =>
      eb.exists(
        eb
          .selectFrom('conversationLabels as cl')
          .select('cl.labelId')
          .whereRef('cl.conversationId', '=', 'c.id')
          .where('cl.labelId', '=', labelId),
      ),
    );
  }
  if (f.agentId !== undefined) {
    const agentId = f.agentId;
    // In it now (or when it ended), or wrote in it (an agent who handed it over).
    query = query.where((eb: Eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('conversationParticipants as p')
            .select('p.userId')
            .whereRef('p.conversationId', '=', 'c.id')
            .where('p.userId', '=', agentId),
        ),
        eb.exists(
          eb
            .selectFrom('messages as m')
            .select('m.id')
            .whereRef('m.conversationId', '=', 'c.id')
            .where('m.authorId', '=', agentId),
        ),
      ]),
    );
  }
  if (f.contact !== undefined) {
    const pattern = containing(f.contact.toLowerCase());
    query = query.where((eb: Eb) =>
      eb.or([
        lowerLike('c.display_name', pattern),
        lowerLike('c.email', pattern),
        eb.exists(
          eb
            .selectFrom('users as u')
            .select('u.id')
            .whereRef('u.id', '=', 'c.customerId')
            .where((e) => e.or([lowerLike('u.email', pattern), lowerLike('u.display_name', pattern)])),
        ),
      ]),
    );
  }
  if (after) {
    query = query.where((eb: Eb) =>
      eb.or([
        eb('c.createdAt', '<', after.createdAt),
        eb.and([eb('c.createdAt', '=', after.createdAt), eb('c.id', '<', after.id)]),
      ]),
    );
  }
  return query.orderBy('c.createdAt', 'desc').orderBy('c.id', 'desc').limit(limit).execute();
}

/** Each conversation's rating, if rated. */
export async function ratingsOf(db: Db, conversationIds: string[]): Promise<Map<string, number>> {
  if (conversationIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('csatRatings')
    .select(['conversationId', 'rating'])
    .where('conversationId', 'in', conversationIds)
    .execute();
  return new Map(rows.map((r) => [r.conversationId, r.rating]));
}
