import type { Db } from '../../db/database.js';
import type { AuditLogTable } from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';

export type AuditRow = AuditLogTable;

export function insertAuditEntry(db: Db | Tx, row: AuditRow): Promise<unknown> {
  return db.insertInto('auditLog').values(row).execute();
}

export interface AuditFilter {
  actorId?: string;
  action?: string;
  targetId?: string;
  from?: number;
  to?: number;
  limit: number;
  offset: number;
}

export async function listAuditEntries(db: Db, f: AuditFilter): Promise<{ rows: AuditRow[]; total: number }> {
  let q = db.selectFrom('auditLog');
  if (f.actorId) q = q.where('actorId', '=', f.actorId);
  if (f.action) q = q.where('action', '=', f.action);
  if (f.targetId) q = q.where('targetId', '=', f.targetId);
  if (f.from !== undefined) q = q.where('at', '>=', f.from);
  if (f.to !== undefined) q = q.where('at', '<', f.to);
  const [rows, count] = await Promise.all([
    q.selectAll().orderBy('at', 'desc').orderBy('id').limit(f.limit).offset(f.offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

export async function distinctAuditActions(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('auditLog').select('action').distinct().orderBy('action').execute();
  return rows.map((r) => r.action);
}
