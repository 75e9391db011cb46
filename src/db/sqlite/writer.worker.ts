/**
 * The SQLite writer thread: owns the one connection that writes, so every COMMIT and its fsync
 * (`synchronous=FULL`) happens here and never blocks the main event loop. The main thread reads through its own
 * connection (WAL: readers never wait for the writer) and sends every write, transaction and group-commit batch
 * here (`writer-thread.ts`). Requests run strictly one after another, in the order they arrive.
 */
import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import type {
  ProcedureDb,
  SerializedError,
  WriterOptions,
  WriterProcedure,
  WriterRequest,
  WriterResponse,
} from './writer-protocol.js';

const options = workerData as WriterOptions;
const port = parentPort!;
const STATEMENT_CACHE_SIZE = 500;

let db: SqliteDatabase.Database;
try {
  db = new SqliteDatabase(options.file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma(`synchronous = ${options.synchronous}`);
  db.pragma('foreign_keys = ON');
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ ready: false, error: serialize(err) });
  process.exit(1);
}

/** Prepared statements by SQL text (bounded: IN lists of varying length make many texts). */
const statements = new Map<string, SqliteDatabase.Statement>();
function prepare(sql: string): SqliteDatabase.Statement {
  let statement = statements.get(sql);
  if (statement) {
    statements.delete(sql);
  } else {
    statement = db.prepare(sql);
    if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
  }
  statements.set(sql, statement);
  return statement;
}

const procedureDb: ProcedureDb = {
  all: <R>(sql: string, params: readonly unknown[] = []) => prepare(sql).all(...params) as R[],
  get: <R>(sql: string, params: readonly unknown[] = []) => prepare(sql).get(...params) as R | undefined,
  run: (sql: string, params: readonly unknown[] = []) => ({ changes: prepare(sql).run(...params).changes }),
};

const procedures = new Map<string, WriterProcedure>();

async function handle(req: WriterRequest): Promise<unknown> {
  switch (req.op) {
    case 'exec': {
      const statement = prepare(req.sql);
      if (statement.reader) return { rows: statement.all(...req.params) };
      const { changes, lastInsertRowid } = statement.run(...req.params);
      return { rows: [], changes, lastInsertRowid };
    }
    case 'begin':
      // IMMEDIATE: take the write lock now, so a transaction never fails half-way upgrading a read lock.
      db.exec('BEGIN IMMEDIATE');
      return null;
    case 'commit':
      db.exec('COMMIT');
      return null;
    case 'rollback':
      if (db.inTransaction) db.exec('ROLLBACK');
      return null;
    case 'load': {
      const module = (await import(req.url)) as { procedures?: Record<string, WriterProcedure> };
      for (const [name, fn] of Object.entries(module.procedures ?? {})) procedures.set(name, fn);
      return [...procedures.keys()];
    }
    case 'procedure': {
      const fn = procedures.get(req.name);
      if (!fn) throw new Error(`unknown writer procedure ${req.name}`);
      db.exec('BEGIN IMMEDIATE');
      try {
        const output = fn(procedureDb, req.input);
        db.exec('COMMIT');
        return output;
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      }
    }
    case 'close':
      db.close();
      return null;
  }
}

function serialize(err: unknown): SerializedError {
  const e = err as { name?: unknown; message?: unknown; code?: unknown };
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}

// One request at a time: `load` awaits an import, and nothing may run in between.
let chain: Promise<void> = Promise.resolve();
port.on('message', (req: WriterRequest) => {
  chain = chain.then(async () => {
    let response: WriterResponse;
    try {
      response = { id: req.id, ok: true, result: await handle(req) };
    } catch (err) {
      response = { id: req.id, ok: false, error: serialize(err) };
    }
    port.postMessage(response);
    if (req.op === 'close') port.close();
  });
});
