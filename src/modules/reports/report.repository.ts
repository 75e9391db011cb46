/**
 * The reports' queries: each reads one date range through an index and returns few columns; the bucketing in the
 * support timezone happens in report.service.ts (SQLite has no time zones, and one code path serves both dialects).
 */
import type { Db } from '../../db/database.js';

export interface Range {
  /** Inclusive, ms. */
  from: number;
  /** Exclusive, ms. */
  to: number;
}

/** Conversations started in the range: when, and when they were first answered and closed. */
export function startedIn(db: Db, r: Range) {
  return db
    .selectFrom('conversations')
    .select(['id', 'createdAt', 'firstResponseAt', 'closedAt', 'status'])
    .where('createdAt', '>=', r.from)
    .where('createdAt', '<', r.to)
    .execute();
}

/** When each conversation closed in the range was closed (the daily "closed" count). */
export async function closedIn(db: Db, r: Range): Promise<number[]> {
  const rows = await db
    .selectFrom('conversations')
    .select('closedAt')
    .where('status', '=', 'closed')
    .where('closedAt', '>=', r.from)
    .where('closedAt', '<', r.to)
    .execute();
  return rows.map((row) => row.closedAt!);
}

/** Dimensions CSAT is grouped by. Teams arrive with issue 15 part A (see `csatGroups`). */
export type CsatDimension = 'agent' | 'team';

/**
 * Ratings submitted in the range, one row per (rating, group it counts for). By agent: every agent in the
 * conversation (participants are kept when it closes) — a rating of a conversation two agents handled counts for
 * both; a conversation rated without any agent in it counts for "nobody" (null).
 *
 * The team seam: with part A's tables, `team` is one join away — the conversation's team
 * (`conversations.team_id → teams`) — and returns the same row shape; until they exist it returns null.
 */
export async function csatGroups(
  db: Db,
  r: Range,
  dimension: CsatDimension,
): Promise<{ groupId: string | null; groupName: string | null; rating: number }[] | null> {
  if (dimension === 'team') return null;
  return db
    .selectFrom('csatRatings as r')
    .leftJoin('conversationParticipants as p', 'p.conversationId', 'r.conversationId')
    .select(['p.userId as groupId', 'p.displayName as groupName', 'r.rating'])
    .where('r.submittedAt', '>=', r.from)
    .where('r.submittedAt', '<', r.to)
    .execute();
}

/** Every rating submitted in the range (the totals). */
export async function ratingsIn(db: Db, r: Range): Promise<number[]> {
  const rows = await db
    .selectFrom('csatRatings')
    .select('rating')
    .where('submittedAt', '>=', r.from)
    .where('submittedAt', '<', r.to)
    .execute();
  return rows.map((row) => row.rating);
}

/** Agents who joined conversations in the range, and how many. */
export function joinsIn(db: Db, r: Range) {
  return db
    .selectFrom('conversationParticipants')
    .select((eb) => ['userId', eb.fn.max('displayName').as('name'), eb.fn.countAll<number>().as('n')])
    .where('joinedAt', '>=', r.from)
    .where('joinedAt', '<', r.to)
    .groupBy('userId')
    .execute();
}

/** Closings by agent in the range. */
export function closingsIn(db: Db, r: Range) {
  return db
    .selectFrom('conversations')
    .select((eb) => ['closedById as userId', eb.fn.max('closedByName').as('name'), eb.fn.countAll<number>().as('n')])
    .where('status', '=', 'closed')
    .where('closedAt', '>=', r.from)
    .where('closedAt', '<', r.to)
    .where('closedById', 'is not', null)
    .groupBy('closedById')
    .execute();
}

/**
 * Staff replies written in the range, by author. Reached through the conversations active in the range (their
 * last message is after its start) and the messages' (conversation, seq) index: no scan of the whole message table.
 */
export function repliesIn(db: Db, r: Range) {
  return db
    .selectFrom('conversations as c')
    .innerJoin('messages as m', 'm.conversationId', 'c.id')
    .select((eb) => ['m.authorId as userId', eb.fn.max('m.authorName').as('name'), eb.fn.countAll<number>().as('n')])
    .where('c.lastMessageAt', '>=', r.from)
    .where('c.createdAt', '<', r.to)
    .where('m.authorType', '=', 'staff')
    .where('m.kind', '=', 'text')
    .where('m.createdAt', '>=', r.from)
    .where('m.createdAt', '<', r.to)
    .groupBy('m.authorId')
    .execute();
}

/** Who gave the first reply of each conversation started in the range, and how long it took (ms). */
export function firstResponders(db: Db, r: Range) {
  return db
    .selectFrom('conversations as c')
    .innerJoin('messages as m', (join) =>
      join.onRef('m.conversationId', '=', 'c.id').onRef('m.createdAt', '=', 'c.firstResponseAt'),
    )
    .select(['c.id', 'm.authorId as userId', 'm.authorName as name', 'c.createdAt', 'c.firstResponseAt'])
    .where('c.createdAt', '>=', r.from)
    .where('c.createdAt', '<', r.to)
    .where('c.firstResponseAt', 'is not', null)
    .where('m.authorType', '=', 'staff')
    .where('m.kind', '=', 'text')
    .execute();
}

/** Current display names of staff accounts (reports show today's name). */
export async function staffNames(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'displayName']).where('id', 'in', ids).execute();
  return new Map(rows.map((u) => [u.id, u.displayName]));
}
