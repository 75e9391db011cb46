import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import { isUniqueViolation, type Db } from '../../db/database.js';
import type { CannedReplyView } from '../../shared/canned.js';
import { AppError } from '../../shared/errors.js';
import { changesBetween, type AuditActor, type AuditService } from '../audit/audit.service.js';
import {
  deleteCanned,
  findCanned,
  findCannedByShortcut,
  insertCanned,
  listCanned,
  nextCannedPosition,
  updateCanned,
  type CannedRow,
} from './canned.repository.js';

const present = (r: CannedRow): CannedReplyView => ({ id: r.id, title: r.title, shortcut: r.shortcut, body: r.body });
const clash = () =>
  new AppError('conflict', 'Another canned reply already uses this shortcut.', {
    fields: [{ path: 'shortcut', message: 'is already used by another canned reply' }],
  });

/** Canned replies: every agent reads them; admins manage them (audited). Shortcuts are unique. */
export class CannedReplyService {
  constructor(private readonly deps: { db: Db; clock: Clock; audit: AuditService }) {}

  async list(): Promise<CannedReplyView[]> {
    return (await listCanned(this.deps.db)).map(present);
  }

  async create(actor: AuditActor, input: { title: string; shortcut: string; body: string }): Promise<CannedReplyView> {
    if (await findCannedByShortcut(this.deps.db, input.shortcut)) throw clash();
    const now = this.deps.clock.now();
    const row: CannedRow = {
      id: newId(),
      ...input,
      position: await nextCannedPosition(this.deps.db),
      createdAt: now,
      updatedAt: now,
      updatedBy: actor.id,
    };
    try {
      await insertCanned(this.deps.db, row);
    } catch (err) {
      if (isUniqueViolation(err)) throw clash();
      throw err;
    }
    await this.deps.audit.record(this.deps.db, actor, {
      action: 'canned.created',
      target: { type: 'canned', id: row.id, name: row.title },
      details: { title: row.title, shortcut: row.shortcut },
    });
    return present(row);
  }

  async update(
    actor: AuditActor,
    id: string,
    input: { title: string; shortcut: string; body: string },
  ): Promise<CannedReplyView> {
    const existing = await findCanned(this.deps.db, id);
    if (!existing) throw new AppError('not_found');
    const other = await findCannedByShortcut(this.deps.db, input.shortcut);
    if (other && other.id !== id) throw clash();
    try {
      await updateCanned(this.deps.db, id, { ...input, updatedAt: this.deps.clock.now(), updatedBy: actor.id });
    } catch (err) {
      if (isUniqueViolation(err)) throw clash();
      throw err;
    }
    await this.deps.audit.record(this.deps.db, actor, {
      action: 'canned.updated',
      target: { type: 'canned', id, name: input.title },
      details: {
        changes: changesBetween(
          { title: existing.title, shortcut: existing.shortcut, body: existing.body },
          { title: input.title, shortcut: input.shortcut, body: input.body },
        ),
      },
    });
    return present({ ...existing, ...input });
  }

  async remove(actor: AuditActor, id: string): Promise<void> {
    const existing = await findCanned(this.deps.db, id);
    if (!existing || !(await deleteCanned(this.deps.db, id))) throw new AppError('not_found');
    await this.deps.audit.record(this.deps.db, actor, {
      action: 'canned.deleted',
      target: { type: 'canned', id, name: existing.title },
      details: { title: existing.title, shortcut: existing.shortcut },
    });
  }
}
