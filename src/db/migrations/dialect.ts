/**
 * Column types that differ between the dialects. Migrations import only this file and Kysely,
 * never application code, so an old migration keeps meaning the same thing forever.
 */
import { PostgresAdapter, type Kysely } from 'kysely';

export function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** Binary column: bytea on PostgreSQL, blob on SQLite. */
export function binary(db: Kysely<unknown>): 'bytea' | 'blob' {
  return isPostgres(db) ? 'bytea' : 'blob';
}
