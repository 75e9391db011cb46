import type { Db } from '../../db/database.js';
import type { Tx } from '../../db/transaction.js';
import type { ConversationRow } from '../conversations/conversation.repository.js';

type Q = Db | Tx;

/** Whether the owner (visitor or customer) wrote in a conversation after sequence `afterSeq`: one index range. */
export async function ownerWroteAfter(db: Q, conversationId: string, afterSeq: number): Promise<boolean> {
  const row = await db
    .selectFrom('messages')
    .select('id')
    .where('conversationId', '=', conversationId)
    .where('seq', '>', afterSeq)
    .where('authorType', 'in', ['visitor', 'customer'])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Snoozed conversations due to wake: their time came, the owner wrote since they were parked, or (left over from
 * before a status change cleared it) they are no longer active. Oldest snooze first, bounded.
 */
export function dueSnoozes(db: Q, now: number, limit: number): Promise<ConversationRow[]> {
  return db
    .selectFrom('conversations as c')
    .selectAll('c')
    .where('c.snoozedAt', 'is not', null)
    .where((eb) =>
      eb.or([
        eb('c.status', '!=', 'active'),
        eb('c.snoozedUntil', '<=', now),
        eb.exists(
          eb
            .selectFrom('messages as m')
            .select('m.id')
            .whereRef('m.conversationId', '=', 'c.id')
            .whereRef('m.seq', '>', 'c.snoozedSeq')
            .where('m.authorType', 'in', ['visitor', 'customer']),
        ),
      ]),
    )
    .orderBy('c.snoozedAt')
    .orderBy('c.id')
    .limit(limit)
    .execute();
}

/** The ids of every snoozed conversation (at most `limit`), to prime an instance's wake-up hint. */
export async function snoozedIds(db: Q, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('conversations')
    .select('id')
    .where('snoozedAt', 'is not', null)
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}
