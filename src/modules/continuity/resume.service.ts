import type { Clock } from '../../core/clock.js';
import { newToken } from '../../core/ids.js';
import type { Db } from '../../db/database.js';
import { inTransaction } from '../../db/transaction.js';
import type { EventBus } from '../../events/event-bus.js';
import { AppError } from '../../shared/errors.js';
import { findConversation } from '../conversations/conversation.repository.js';
import type { RequestMeta } from '../identity/principal.js';
import { hashToken, type IssuedSession, type SessionService } from '../identity/session.service.js';
import { consumeOneTimeToken, insertOneTimeToken } from '../identity/token.repository.js';

export const RESUME_PURPOSE = 'conversation_resume';
/** A link in a reply e-mail reopens the conversation for this long (once). */
export const RESUME_TTL_MS = 7 * 24 * 3_600_000;

/**
 * Links that reopen a visitor's conversation from an e-mail: a random 256-bit token, stored hashed as a one-time
 * token (purpose `conversation_resume`, subject = the conversation), valid once for 7 days. Using it issues a new
 * visitor session bound to the conversation's visitor, so the browser that opens it is that visitor again. A
 * conversation that belongs to a customer account is refused (`sign_in_required`): an e-mail link never replaces
 * a password.
 */
export class ResumeService {
  constructor(private readonly deps: { db: Db; bus: EventBus; clock: Clock; sessions: SessionService }) {}

  /** A new single-use token for `conversationId` (the caller puts it in a link's fragment). */
  async issue(conversationId: string): Promise<string> {
    const token = newToken(32);
    const now = this.deps.clock.now();
    await insertOneTimeToken(this.deps.db, {
      tokenHash: hashToken(token),
      purpose: RESUME_PURPOSE,
      userId: null,
      subjectId: conversationId,
      createdAt: now,
      expiresAt: now + RESUME_TTL_MS,
      usedAt: null,
    });
    return token;
  }

  /**
   * Spends the token and opens a visitor session for the conversation's visitor. Unknown, used and expired tokens
   * are all `token_invalid` (and no session is issued).
   */
  async resume(token: string, meta: RequestMeta): Promise<{ conversationId: string; session: IssuedSession }> {
    if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{20,200}$/.test(token)) throw new AppError('token_invalid');
    const tokenHash = hashToken(token);
    const now = this.deps.clock.now();
    const pending = await this.deps.db
      .selectFrom('oneTimeTokens')
      .select(['subjectId', 'usedAt', 'expiresAt'])
      .where('tokenHash', '=', tokenHash)
      .where('purpose', '=', RESUME_PURPOSE)
      .executeTakeFirst();
    if (!pending?.subjectId || pending.usedAt !== null || pending.expiresAt <= now) throw new AppError('token_invalid');
    const conversation = await findConversation(this.deps.db, pending.subjectId);
    if (!conversation) throw new AppError('token_invalid');
    // Checked before spending the token, so a refusal uses nothing up.
    if (conversation.customerId !== null) {
      throw new AppError('sign_in_required', undefined, { conversationId: conversation.id });
    }
    const visitorId = conversation.visitorId;
    if (visitorId === null) throw new AppError('token_invalid');
    return inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      const used = await consumeOneTimeToken(uow.trx, tokenHash, RESUME_PURPOSE, this.deps.clock.now());
      if (!used) throw new AppError('token_invalid');
      const session = await this.deps.sessions.issueForVisitor(uow, visitorId, meta);
      return { conversationId: conversation.id, session };
    });
  }
}
