/**
 * One typed query layer (Kysely) over two real databases: better-sqlite3 (embedded default) and PostgreSQL.
 * Dialect differences in returned values are settled here and in schema.ts, nowhere else.
 */
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { createRequire } from 'node:module';
import type pg from 'pg';
import { CamelCasePlugin, Kysely, PostgresDialect, sql } from 'kysely';
import type { DatabaseConfig } from '../config/config.js';
import type { Logger } from '../core/logger.js';
import type { Database } from './schema.js';
import { RoutedSqliteDialect } from './sqlite/sqlite-dialect.js';
import { SqliteWriterThread } from './sqlite/writer-thread.js';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  dialect: Dialect;
  /** Throws when the database cannot answer `select 1` within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
  /** A short description for logs and errors, without credentials. */
  describe(): string;
  /** SQLite only: the writer thread, which owns the connection that writes (group-commit procedures run there). */
  sqliteWriter?: SqliteWriterThread;
}

export class DatabaseStartError extends Error {
  override name = 'DatabaseStartError';
}

/** Loaded when a PostgreSQL database is opened: an SQLite server never pays for pg at start. */
const load = createRequire(import.meta.url);

/** pg returns int8 (bigint, count) and numeric (sum) as strings; every value we store fits a double. */
function pgTypes(types: typeof pg.types): pg.CustomTypesConfig {
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === types.builtins.INT8 || oid === types.builtins.NUMERIC) return (v: string) => Number(v);
      return types.getTypeParser(oid, format);
    },
  } as unknown as pg.CustomTypesConfig;
}

export function createDb(config: DatabaseConfig, logger: Logger): DatabaseHandle {
  return config.kind === 'sqlite' ? createSqlite(config, logger) : createPostgres(config, logger);
}

function createSqlite(config: Extract<DatabaseConfig, { kind: 'sqlite' }>, logger: Logger): DatabaseHandle {
  mkdirSync(dirname(config.file), { recursive: true, mode: 0o700 });
  let native: SqliteDatabase.Database;
  try {
    // Owner-only: SQLite gives the -wal and -shm files the database file's permissions.
    if (!existsSync(config.file)) closeSync(openSync(config.file, 'a', 0o600));
    native = new SqliteDatabase(config.file);
    native.pragma('journal_mode = WAL');
  } catch (err) {
    throw new DatabaseStartError(`Cannot open SQLite database ${config.file}: ${(err as Error).message}`);
  }
  // This connection only reads (src/db/sqlite/): it never commits, so it never waits on an fsync.
  native.pragma('busy_timeout = 5000');
  native.pragma('foreign_keys = ON');
  const writer = new SqliteWriterThread({ file: config.file, synchronous: config.synchronous }, logger);
  writer.ready.catch((err: unknown) =>
    logger.error({ err: { message: (err as Error).message } }, 'the SQLite writer thread could not open the database'),
  );
  const db = new Kysely<Database>({
    dialect: new RoutedSqliteDialect(native, writer),
    plugins: [new CamelCasePlugin()],
  });
  logger.debug({ file: config.file }, 'sqlite opened');
  return {
    db,
    dialect: 'sqlite',
    sqliteWriter: writer,
    async ping() {
      await sql`select 1`.execute(db);
      // The writer thread must answer too: a database nobody can write to is not ready.
      const release = await writer.lock();
      try {
        await writer.exec('select 1', []);
      } finally {
        release();
      }
    },
    async close() {
      await db.destroy();
    },
    describe: () => `SQLite ${config.file}`,
  };
}

function createPostgres(config: Extract<DatabaseConfig, { kind: 'postgres' }>, logger: Logger): DatabaseHandle {
  const { Pool, types } = load('pg') as typeof pg;
  const pool = new Pool({
    connectionString: config.url,
    max: config.poolSize,
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 30_000,
    types: pgTypes(types),
  });
  // An idle client losing its connection (database restart, network cut) must not crash the process.
  pool.on('error', (err) => logger.warn({ err: { message: err.message } }, 'postgres idle client error'));
  // pg only listens for errors on idle clients; a checked-out client whose connection drops between queries
  // would otherwise throw an uncaught 'error' and take the whole process down. The pool discards it on release.
  pool.on('connect', (client) => {
    client.on('error', (err) => logger.warn({ err: { message: err.message } }, 'postgres connection lost'));
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
  const where = describePostgres(config.url);
  return {
    db,
    dialect: 'postgres',
    async ping(timeoutMs = 2_000) {
      const client = await pool.connect();
      try {
        // SET LOCAL: the timeout ends with this transaction, never staying on the pooled connection.
        await client.query('begin');
        await client.query({ text: `set local statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}` });
        await client.query('select 1');
        await client.query('commit');
      } catch (err) {
        client.release(err as Error); // drops the connection: its state is unknown
        throw err;
      }
      client.release();
    },
    async close() {
      await db.destroy();
    },
    describe: () => `PostgreSQL ${where}`,
  };
}

function describePostgres(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

/**
 * True when an error means "the database is not reachable right now" (retry later) rather than a bug.
 * Used by the HTTP error handler to answer 503 database_unavailable instead of 500.
 */
export function isDatabaseUnavailableError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08'))) return true;
  if (typeof e.message === 'string') {
    const m = e.message;
    if (
      m.includes('Connection terminated') ||
      m.includes('timeout exceeded when trying to connect') ||
      m.includes('Client has encountered a connection error') ||
      m.includes('Connection refused') ||
      m.includes('connect ECONNREFUSED')
    ) {
      return true;
    }
  }
  if (e.cause !== undefined && e.cause !== err) return isDatabaseUnavailableError(e.cause);
  return false;
}

/** True when `err` is a unique-constraint violation (a race lost to a concurrent insert). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
