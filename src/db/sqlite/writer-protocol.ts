/** Messages between the main thread and the SQLite writer thread (`writer.worker.ts`). */

export interface WriterOptions {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
}

export type WriterRequest =
  | { id: number; op: 'exec'; sql: string; params: readonly unknown[] }
  | { id: number; op: 'begin' | 'commit' | 'rollback' | 'close' }
  /** Imports a procedure module (its `procedures` export) into the writer thread. */
  | { id: number; op: 'load'; url: string }
  /** Runs a loaded procedure in one transaction (BEGIN IMMEDIATE … COMMIT, one fsync). */
  | { id: number; op: 'procedure'; name: string; input: unknown };

export interface ExecResult {
  rows: unknown[];
  changes?: number;
  lastInsertRowid?: number | bigint;
}

export type WriterResponse =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: SerializedError };

/** What the main thread sees of a writer error: enough for `isUniqueViolation` and `isDatabaseUnavailableError`. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
}

/** A procedure run by the writer thread inside its transaction: synchronous, it owns the connection meanwhile. */
export type WriterProcedure<I = unknown, O = unknown> = (db: ProcedureDb, input: I) => O;

/** The writer connection as a procedure sees it: prepared statements, cached by SQL text. */
export interface ProcedureDb {
  all<R>(sql: string, params?: readonly unknown[]): R[];
  get<R>(sql: string, params?: readonly unknown[]): R | undefined;
  run(sql: string, params?: readonly unknown[]): { changes: number };
}

/** Worker messages carry Buffers as plain Uint8Arrays; turn them back into Buffers (in place). */
export function reviveBuffers<T>(rows: T[]): T[] {
  for (const row of rows) {
    if (row === null || typeof row !== 'object') continue;
    const r = row as Record<string, unknown>;
    for (const key in r) {
      const v = r[key];
      if (v instanceof Uint8Array && !Buffer.isBuffer(v)) r[key] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    }
  }
  return rows;
}
