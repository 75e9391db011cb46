/**
 * Kysely over SQLite with the writes off the main thread. Two connections to one WAL database:
 *  - the main thread's own connection answers plain reads (a `SELECT` outside a transaction) synchronously: WAL
 *    readers see every committed transaction and never wait for the writer;
 *  - everything else (writes, and every statement of a transaction, reads included) goes to the writer thread,
 *    which owns the only connection that writes, so COMMIT and its fsync never block the event loop.
 * A transaction holds the writer's lock from BEGIN (IMMEDIATE) to COMMIT/ROLLBACK; a single write outside a
 * transaction holds it for that statement. Read-your-writes holds: a write's promise settles after its commit.
 */
import type SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';
import { LruCache } from '../../core/lru-cache.js';
import type { SqliteWriterThread } from './writer-thread.js';

const STATEMENT_CACHE_SIZE = 500;

/** SQLite runs DDL inside transactions: migrations run in one, all or nothing. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * better-sqlite3 statements are reusable, and preparing is a measurable share of a short query's cost: statements
 * are cached by SQL text (bounded). One thread runs them one at a time, so a cached statement is never in use twice.
 */
class StatementCache {
  private readonly cache = new LruCache<string, SqliteDatabase.Statement | null>(STATEMENT_CACHE_SIZE);
  constructor(private readonly native: SqliteDatabase.Database) {}

  /** The statement, or null when this connection cannot prepare it (then the writer answers, with its error). */
  get(sqlText: string): SqliteDatabase.Statement | null {
    let statement = this.cache.get(sqlText);
    if (statement === undefined) {
      try {
        statement = this.native.prepare(sqlText);
      } catch {
        statement = null; // e.g. a table a pending write creates; never cached, so a later call retries
        return statement;
      }
      this.cache.set(sqlText, statement);
    }
    return statement;
  }
}

class RoutedConnection implements DatabaseConnection {
  /** Set while this connection runs a transaction (it holds the writer's lock). */
  private release: (() => void) | undefined;

  constructor(
    private readonly reads: StatementCache,
    private readonly writer: SqliteWriterThread,
  ) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (this.release) return toResult(await this.writer.exec(compiled.sql, compiled.parameters));
    const statement = this.reads.get(compiled.sql);
    if (statement?.reader && statement.readonly) return { rows: statement.all(compiled.parameters) as R[] };
    const release = await this.writer.lock();
    try {
      return toResult(await this.writer.exec(compiled.sql, compiled.parameters));
    } finally {
      release();
    }
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (this.release || !SelectQueryNode.is(compiled.query)) {
      throw new Error('streaming is only supported for reads outside a transaction');
    }
    const statement = this.reads.get(compiled.sql);
    if (!statement) throw new Error('cannot prepare the streamed query');
    for (const row of statement.iterate(compiled.parameters)) yield { rows: [row as R] };
  }

  async begin(): Promise<void> {
    const release = await this.writer.lock();
    try {
      await this.writer.begin();
    } catch (err) {
      release();
      throw err;
    }
    this.release = release;
  }

  /** On failure the lock stays held: Kysely rolls back next, which releases it. */
  async commit(): Promise<void> {
    await this.writer.commit();
    this.end();
  }

  async rollback(): Promise<void> {
    try {
      await this.writer.rollback();
    } finally {
      this.end();
    }
  }

  /** Releases the writer if a transaction was left open (never expected: Kysely commits or rolls back). */
  async abandon(): Promise<void> {
    if (this.release) await this.rollback();
  }

  private end(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }
}

function toResult<R>(r: { rows: unknown[]; changes?: number; lastInsertRowid?: number | bigint }): QueryResult<R> {
  return {
    rows: r.rows as R[],
    ...(r.changes !== undefined ? { numAffectedRows: BigInt(r.changes) } : {}),
    ...(r.lastInsertRowid !== undefined ? { insertId: BigInt(r.lastInsertRowid) } : {}),
  };
}

class RoutedSqliteDriver implements Driver {
  private readonly reads: StatementCache;
  constructor(
    private readonly native: SqliteDatabase.Database,
    private readonly writer: SqliteWriterThread,
  ) {
    this.reads = new StatementCache(native);
  }

  async init(): Promise<void> {
    await this.writer.ready;
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    return new RoutedConnection(this.reads, this.writer);
  }
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as RoutedConnection).begin();
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as RoutedConnection).commit();
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as RoutedConnection).rollback();
  }
  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint "${name}"`));
  }
  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to "${name}"`));
  }
  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release "${name}"`));
  }
  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await (connection as RoutedConnection).abandon();
  }
  async destroy(): Promise<void> {
    await this.writer.close();
    this.native.close();
  }
}

export class RoutedSqliteDialect implements Dialect {
  constructor(
    private readonly native: SqliteDatabase.Database,
    private readonly writer: SqliteWriterThread,
  ) {}
  createDriver(): Driver {
    return new RoutedSqliteDriver(this.native, this.writer);
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
