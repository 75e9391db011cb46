import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { Db } from '../../db/database.js';
import type { Tx } from '../../db/transaction.js';
import { distinctAuditActions, insertAuditEntry, listAuditEntries, type AuditFilter } from './audit.repository.js';

export interface AuditActor {
  id: string | null;
  name: string;
  ip: string | null;
}

/** One field an action changed, as it was and as it is now. */
export interface AuditChange {
  field: string;
  before: unknown;
  after: unknown;
}

export interface AuditEntryInput {
  action: string;
  target?: { type: string; id: string; name?: string };
  /** Facts about the action; an update puts what it changed in `changes` (see `changesBetween`). */
  details?: Record<string, unknown> & { changes?: AuditChange[] };
}

const MAX_AUDIT_TEXT = 200;
const short = (v: unknown): unknown =>
  typeof v === 'string' && v.length > MAX_AUDIT_TEXT ? `${v.slice(0, MAX_AUDIT_TEXT)}…` : v;

/**
 * The fields of `after` whose value differs from `before`, as before → after (long text cut to 200 characters),
 * for an audit entry's `details.changes`. Never pass secrets (password hashes, tokens): only what admins may read.
 */
export function changesBetween(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  fields: string[] = Object.keys(after),
): AuditChange[] {
  return fields
    .filter((f) => f in after && JSON.stringify(before[f] ?? null) !== JSON.stringify(after[f] ?? null))
    .map((field) => ({ field, before: short(before[field] ?? null), after: short(after[field] ?? null) }));
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: { id: string | null; name: string };
  action: string;
  target: { type: string; id: string | null; name: string | null } | null;
  ip: string | null;
  details: Record<string, unknown>;
}

/** Who did what to whom, when and from where: written in the same transaction as the change it records. */
export class AuditService {
  constructor(private readonly deps: { db: Db; clock: Clock }) {}

  record(trx: Db | Tx, actor: AuditActor, entry: AuditEntryInput): Promise<unknown> {
    return insertAuditEntry(trx, {
      id: newId(),
      at: this.deps.clock.now(),
      actorId: actor.id,
      actorName: actor.name,
      action: entry.action,
      targetType: entry.target?.type ?? null,
      targetId: entry.target?.id ?? null,
      targetName: entry.target?.name ?? null,
      ip: actor.ip,
      details: JSON.stringify(entry.details ?? {}),
    });
  }

  async list(filter: AuditFilter): Promise<{ entries: AuditEntry[]; total: number; actions: string[] }> {
    const [{ rows, total }, actions] = await Promise.all([
      listAuditEntries(this.deps.db, filter),
      distinctAuditActions(this.deps.db),
    ]);
    return {
      total,
      actions,
      entries: rows.map((r) => ({
        id: r.id,
        at: new Date(r.at).toISOString(),
        actor: { id: r.actorId, name: r.actorName },
        action: r.action,
        target: r.targetType ? { type: r.targetType, id: r.targetId, name: r.targetName } : null,
        ip: r.ip,
        details: JSON.parse(r.details) as Record<string, unknown>,
      })),
    };
  }
}
