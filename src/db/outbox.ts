/**
 * The outbox table (migration 2026-12-07T0100): side effects written in their change's transaction, carried out
 * after the commit by the jobs runner (`src/jobs/jobs-runner.ts`). Writes here; the draining lives with the runner.
 */
import { newId } from '../core/ids.js';
import type { Db } from './database.js';
import type { Database, OutboxTable } from './schema.js';
import type { Transaction } from 'kysely';

export type OutboxRow = OutboxTable;

export interface OutboxEntry {
  topic: string;
  /** Plain JSON: ids and metadata, never message plaintext. */
  payload: unknown;
  /** Enqueueing the same key again stores nothing (idempotent effects of retried work). */
  key?: string;
  /** Carry it out no sooner than this (ms after `now`). */
  delayMs?: number;
}

export function outboxRow(entry: OutboxEntry, now: number): OutboxRow {
  return {
    id: newId(),
    topic: entry.topic,
    payload: JSON.stringify(entry.payload ?? null),
    dedupeKey: entry.key ?? null,
    createdAt: now,
    availableAt: now + Math.max(0, entry.delayMs ?? 0),
    attempts: 0,
    lastError: null,
    failedAt: null,
  };
}

/** Inserts inside the caller's transaction; a row whose key is already there is skipped. */
export async function insertOutbox(trx: Transaction<Database> | Db, rows: OutboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .insertInto('outbox')
    .values(rows)
    .onConflict((oc) => oc.column('dedupeKey').doNothing())
    .execute();
}

/** Due rows, oldest first (of these topics only, when given). */
export function dueOutbox(db: Db, now: number, limit: number, topics?: readonly string[]): Promise<OutboxRow[]> {
  let query = db.selectFrom('outbox').selectAll();
  if (topics) query = query.where('topic', 'in', topics.length > 0 ? [...topics] : ['']);
  return query
    .where('failedAt', 'is', null)
    .where('availableAt', '<=', now)
    .orderBy('availableAt')
    .orderBy('createdAt')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function deleteOutbox(db: Db, id: string): Promise<void> {
  await db.deleteFrom('outbox').where('id', '=', id).execute();
}

export async function retryOutboxLater(
  db: Db,
  id: string,
  change: { attempts: number; availableAt: number; lastError: string; failedAt: number | null },
): Promise<void> {
  await db.updateTable('outbox').set(change).where('id', '=', id).execute();
}

/** Rows whose handler gave up (for operators and tests). */
export function failedOutbox(db: Db, limit = 100): Promise<OutboxRow[]> {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where('failedAt', 'is not', null)
    .orderBy('failedAt')
    .limit(limit)
    .execute();
}
