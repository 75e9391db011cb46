/**
 * Satisfaction ratings (CSAT). After a conversation ends (closed, or left by its visitor) its owner may rate it 1–5
 * with an optional comment, once; the rating and comment may be changed for `csat.editMinutes` after the first
 * submission, then they are locked. Agents and admins read it on the conversation. The comment is user text, so it
 * is encrypted with the conversation's key like a message (AAD `csat:<conversationId>`), and erased with it.
 *
 * Each submission (the first and every change) writes the outbox row `csat.submitted` `{ conversationId }` in its
 * transaction, carried out by the webhooks' fan-out (src/jobs/register-jobs.ts) — and emits the `csat.submitted`
 * domain event for open desks.
 */
import type { Clock } from '../../core/clock.js';
import { isUniqueViolation, type Db } from '../../db/database.js';
import { inTransaction } from '../../db/transaction.js';
import { domainEvent } from '../../events/domain-events.js';
import type { EventBus } from '../../events/event-bus.js';
import type { CsatView, PublicCsatState } from '../../shared/desk-tools.js';
import { AppError } from '../../shared/errors.js';
import type { ConversationService } from '../conversations/conversation.service.js';
import type { PublicPrincipal, StaffPrincipal } from '../identity/principal.js';
import type { KeyService } from '../keys/key.service.js';
import { DecryptionError } from '../keys/record-cipher.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { CsatRatingsTable } from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';

export const CSAT_TOPIC = 'csat.submitted';
const ENDED = ['closed', 'left'] as const;

export const csatAad = (conversationId: string) => `csat:${conversationId}`;

type CsatRow = CsatRatingsTable;

function findRating(db: Db | Tx, conversationId: string): Promise<CsatRow | undefined> {
  return db.selectFrom('csatRatings').selectAll().where('conversationId', '=', conversationId).executeTakeFirst();
}

export class CsatService {
  constructor(
    private readonly deps: {
      db: Db;
      bus: EventBus;
      clock: Clock;
      keys: KeyService;
      settings: SettingsService;
      conversations: ConversationService;
    },
  ) {}

  private editableUntil(row: CsatRow): number {
    return row.submittedAt + this.deps.settings.get('csat.editMinutes') * 60_000;
  }

  private async present(row: CsatRow): Promise<CsatView> {
    let comment: string | null = null;
    if (row.comment) {
      try {
        comment = (
          await this.deps.keys.decryptFor(row.conversationId, row.comment, csatAad(row.conversationId))
        ).toString('utf8');
      } catch (err) {
        if (!(err instanceof DecryptionError)) throw err;
        comment = null;
      }
    }
    return {
      rating: row.rating,
      comment,
      submittedAt: new Date(row.submittedAt).toISOString(),
      updatedAt: new Date(row.updatedAt).toISOString(),
    };
  }

  /** The owner's view: may it rate, its rating, until when it may change it. */
  async publicState(principal: PublicPrincipal, conversationId: string): Promise<PublicCsatState> {
    const c = await this.deps.conversations.requireReadable(principal, conversationId);
    const row = await findRating(this.deps.db, conversationId);
    const open = this.deps.settings.get('csat.enabled') && (ENDED as readonly string[]).includes(c.status);
    const until = row ? this.editableUntil(row) : null;
    return {
      open,
      csat: row ? await this.present(row) : null,
      editableUntil: row && until! > this.deps.clock.now() ? new Date(until!).toISOString() : null,
    };
  }

  /** A conversation's rating as staff see it, without a permission check (frames to staff rooms). */
  async viewOf(conversationId: string): Promise<CsatView | null> {
    const row = await findRating(this.deps.db, conversationId);
    return row ? this.present(row) : null;
  }

  /** Staff read any conversation's rating. */
  async staffView(staff: StaffPrincipal, conversationId: string): Promise<CsatView | null> {
    await this.deps.conversations.requireReadable(staff, conversationId);
    const row = await findRating(this.deps.db, conversationId);
    return row ? this.present(row) : null;
  }

  /** Rates (or, within the edit window, re-rates) an ended conversation of the principal's. */
  async submit(
    principal: PublicPrincipal,
    conversationId: string,
    input: { rating: number; comment?: string | undefined },
  ): Promise<PublicCsatState> {
    const c = await this.deps.conversations.requireReadable(principal, conversationId);
    if (!this.deps.settings.get('csat.enabled') || !(ENDED as readonly string[]).includes(c.status)) {
      throw new AppError('csat_not_open');
    }
    // Encrypted before the transaction opens (nothing but queries is awaited inside one).
    const comment =
      input.comment === undefined
        ? null
        : await this.deps.keys.encryptFor(conversationId, input.comment, csatAad(conversationId));
    const rater = {
      raterType: principal.kind,
      raterId: principal.kind === 'customer' ? principal.userId : principal.visitorId,
    };
    const write = () =>
      inTransaction(this.deps.db, this.deps.bus, async (uow) => {
        const now = this.deps.clock.now();
        const existing = await findRating(uow.trx, conversationId);
        if (existing) {
          if (now >= this.editableUntil(existing)) throw new AppError('csat_locked');
          await uow.trx
            .updateTable('csatRatings')
            .set({ rating: input.rating, comment, ...rater, updatedAt: now })
            .where('conversationId', '=', conversationId)
            .execute();
        } else {
          await uow.trx
            .insertInto('csatRatings')
            .values({
              conversationId,
              rating: input.rating,
              comment,
              ...rater,
              submittedAt: now,
              updatedAt: now,
              closedAt: c.closedAt ?? c.updatedAt,
            })
            .execute();
        }
        await uow.enqueue({ topic: CSAT_TOPIC, payload: { conversationId } });
        uow.emit(domainEvent('csat.submitted', { conversationId, rating: input.rating }));
      });
    try {
      await write();
    } catch (err) {
      // Two first submissions at once (two tabs): the primary key keeps one; the other becomes its edit.
      if (!isUniqueViolation(err)) throw err;
      await write();
    }
    return this.publicState(principal, conversationId);
  }
}
