import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { Db } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import { changesBetween, type AuditActor, type AuditService } from '../audit/audit.service.js';

export interface TopicAdminView {
  id: string;
  label: string;
  position: number;
  isActive: boolean;
  /** The team conversations started with this topic are routed to (null: the general queue). */
  teamId: string | null;
}

export const topicInputSchema = z.strictObject({
  label: z.string().trim().min(1, 'is required').max(60, 'must be at most 60 characters'),
  isActive: z.boolean().default(true),
  position: z.number().int().min(0).max(10_000).optional(),
  /** Route to a team (null or absent: the general queue; absent on an edit keeps the current team). */
  teamId: z.string().min(1).max(64).nullable().optional(),
});

/**
 * The topics the start form offers as chips. Conversations keep the label they were started with, so editing or
 * deleting a topic never rewrites history.
 */
export class TopicService {
  constructor(private readonly deps: { db: Db; clock: Clock; audit: AuditService }) {}

  async list(): Promise<TopicAdminView[]> {
    const rows = await this.deps.db.selectFrom('topics').selectAll().orderBy('position').orderBy('label').execute();
    return rows.map((r) => ({
      id: r.id,
      label: r.label,
      position: r.position,
      isActive: r.isActive === 1,
      teamId: r.teamId,
    }));
  }

  private async assertTeam(teamId: string | null | undefined): Promise<void> {
    if (!teamId) return;
    const team = await this.deps.db.selectFrom('teams').select('id').where('id', '=', teamId).executeTakeFirst();
    if (!team) {
      throw new AppError('validation_failed', undefined, { fields: [{ path: 'teamId', message: 'is not a team' }] });
    }
  }

  private async assertUniqueLabel(label: string, exceptId?: string): Promise<void> {
    const rows = await this.deps.db.selectFrom('topics').select(['id', 'label']).execute();
    if (rows.some((r) => r.id !== exceptId && r.label.toLowerCase() === label.toLowerCase())) {
      throw new AppError('conflict', 'A topic with this label exists.', {
        fields: [{ path: 'label', message: 'already exists' }],
      });
    }
  }

  async create(actor: AuditActor, input: z.output<typeof topicInputSchema>): Promise<TopicAdminView> {
    await this.assertUniqueLabel(input.label);
    await this.assertTeam(input.teamId);
    const max = await this.deps.db
      .selectFrom('topics')
      .select((eb) => eb.fn.max<number>('position').as('p'))
      .executeTakeFirst();
    const row = {
      id: newId(),
      label: input.label,
      position: input.position ?? Number(max?.p ?? 0) + 1,
      isActive: input.isActive ? 1 : 0,
      createdAt: this.deps.clock.now(),
      teamId: input.teamId ?? null,
    };
    await this.deps.db.insertInto('topics').values(row).execute();
    await this.deps.audit.record(this.deps.db, actor, {
      action: 'topic.created',
      target: { type: 'topic', id: row.id, name: row.label },
      details: { label: row.label, isActive: input.isActive, position: row.position, teamId: row.teamId },
    });
    return { id: row.id, label: row.label, position: row.position, isActive: input.isActive, teamId: row.teamId };
  }

  async update(actor: AuditActor, id: string, input: z.output<typeof topicInputSchema>): Promise<TopicAdminView> {
    const existing = await this.deps.db.selectFrom('topics').selectAll().where('id', '=', id).executeTakeFirst();
    if (!existing) throw new AppError('not_found');
    await this.assertUniqueLabel(input.label, id);
    await this.assertTeam(input.teamId);
    const position = input.position ?? existing.position;
    const teamId = input.teamId === undefined ? existing.teamId : input.teamId;
    await this.deps.db
      .updateTable('topics')
      .set({ label: input.label, isActive: input.isActive ? 1 : 0, position, teamId })
      .where('id', '=', id)
      .execute();
    await this.deps.audit.record(this.deps.db, actor, {
      action: 'topic.updated',
      target: { type: 'topic', id, name: input.label },
      details: {
        changes: changesBetween(
          {
            label: existing.label,
            isActive: existing.isActive === 1,
            position: existing.position,
            teamId: existing.teamId,
          },
          { label: input.label, isActive: input.isActive, position, teamId },
        ),
      },
    });
    return { id, label: input.label, position, isActive: input.isActive, teamId };
  }

  async remove(actor: AuditActor, id: string): Promise<void> {
    const existing = await this.deps.db.selectFrom('topics').selectAll().where('id', '=', id).executeTakeFirst();
    if (!existing) throw new AppError('not_found');
    await this.deps.db.deleteFrom('topics').where('id', '=', id).execute();
    await this.deps.audit.record(this.deps.db, actor, {
      action: 'topic.deleted',
      target: { type: 'topic', id, name: existing.label },
      details: { label: existing.label },
    });
  }
}
