import type { Clock } from '../../core/clock.js';
import { newToken } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/database.js';
import { inTransaction } from '../../db/transaction.js';
import type { EventBus } from '../../events/event-bus.js';
import { AppError } from '../../shared/errors.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Mailer } from '../mail/mailer.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { PasswordHasher } from './password-hasher.js';
import { passwordProblem } from './password-policy.js';
import type { RequestMeta } from './principal.js';
import type { SessionService } from './session.service.js';
import { hashToken } from './session.service.js';
import { consumeOneTimeToken, deleteUnusedTokens, insertOneTimeToken } from './token.repository.js';
import { findUserByEmailKey, findUserById, updateUser } from './user.repository.js';
import { emailKey } from './user.service.js';

const RESET_TTL_MS = 30 * 60_000;
const VERIFY_TTL_MS = 3 * 24 * 3_600_000;

/**
 * E-mails about accounts: password reset links (single-use, 30 minutes, stored hashed) and address verification.
 * Links carry the token in the URL fragment, so it never reaches server logs or Referer headers.
 */
export class AccountMailService {
  constructor(
    private readonly deps: {
      db: Db;
      bus: EventBus;
      clock: Clock;
      logger: Logger;
      mailer: Mailer;
      hasher: PasswordHasher;
      sessions: SessionService;
      audit: AuditService;
      settings: SettingsService;
    },
  ) {}

  get isAvailable(): boolean {
    return this.deps.mailer.isConfigured;
  }

  /**
   * Sends a reset link when the address belongs to an active account of this side. The caller answers the same
   * way whether or not it did, so the endpoint never reveals which addresses have accounts.
   */
  async requestPasswordReset(side: 'customer' | 'staff', email: string, origin: string): Promise<void> {
    if (!this.deps.mailer.isConfigured) throw new AppError('mail_not_configured');
    const user = await findUserByEmailKey(this.deps.db, emailKey(email));
    const rightSide = user && (side === 'staff' ? user.role !== 'customer' : user.role === 'customer');
    if (!user || !rightSide || user.isActive !== 1) return;
    const token = newToken(32);
    const now = this.deps.clock.now();
    await inTransaction(this.deps.db, this.deps.bus, async ({ trx }) => {
      await deleteUnusedTokens(trx, user.id, 'password_reset');
      await insertOneTimeToken(trx, {
        tokenHash: hashToken(token),
        purpose: 'password_reset',
        userId: user.id,
        subjectId: null,
        createdAt: now,
        expiresAt: now + RESET_TTL_MS,
        usedAt: null,
      });
    });
    const path = side === 'staff' ? '/staff/reset-password' : '/reset-password';
    const service = this.deps.settings.get('branding.serviceName');
    this.send(user.email, `${service}: reset your password`, [
      `Someone (hopefully you) asked to reset the password of your ${service} account "${user.username}".`,
      '',
      `Choose a new password here (the link works once, for 30 minutes):`,
      `${origin}${path}#token=${token}`,
      '',
      'If you did not ask for this, ignore this e-mail: your password stays as it is.',
    ]);
  }

  /** Sets a new password from a reset link; ends every session of the account. */
  async confirmPasswordReset(token: string, newPassword: string, meta: RequestMeta): Promise<void> {
    const tokenHash = hashToken(token);
    // Check the password before spending the token, so a too-weak choice can be corrected with the same link.
    const pending = await this.deps.db
      .selectFrom('oneTimeTokens')
      .select(['userId', 'usedAt', 'expiresAt'])
      .where('tokenHash', '=', tokenHash)
      .where('purpose', '=', 'password_reset')
      .executeTakeFirst();
    const now = this.deps.clock.now();
    if (!pending?.userId || pending.usedAt !== null || pending.expiresAt <= now) throw new AppError('token_invalid');
    const user = await findUserById(this.deps.db, pending.userId);
    if (!user || user.isActive !== 1) throw new AppError('token_invalid');
    const problem = passwordProblem(newPassword, { username: user.username, email: user.email });
    if (problem)
      throw new AppError('validation_failed', undefined, { fields: [{ path: 'newPassword', message: problem }] });
    const passwordHash = await this.deps.hasher.hash(newPassword);
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      const used = await consumeOneTimeToken(uow.trx, tokenHash, 'password_reset', this.deps.clock.now());
      if (!used) throw new AppError('token_invalid');
      await updateUser(uow.trx, user.id, { passwordHash, passwordChangedAt: now, updatedAt: now });
      await this.deps.sessions.revokeAllForUser(uow, user.id, 'password_reset');
      await this.deps.audit.record(
        uow.trx,
        { id: user.id, name: user.username, ip: meta.ip },
        {
          action: 'account.password_reset_by_email',
          target: { type: 'user', id: user.id, name: user.username },
        },
      );
    });
  }

  /** Sends an address-verification link to a new customer (when SMTP is configured). */
  async sendVerification(userId: string, origin: string): Promise<void> {
    if (!this.deps.mailer.isConfigured) return;
    const user = await findUserById(this.deps.db, userId);
    if (!user || user.emailVerifiedAt !== null) return;
    const token = newToken(32);
    const now = this.deps.clock.now();
    await inTransaction(this.deps.db, this.deps.bus, async ({ trx }) => {
      await deleteUnusedTokens(trx, user.id, 'email_verification');
      await insertOneTimeToken(trx, {
        tokenHash: hashToken(token),
        purpose: 'email_verification',
        userId: user.id,
        subjectId: null,
        createdAt: now,
        expiresAt: now + VERIFY_TTL_MS,
        usedAt: null,
      });
    });
    const service = this.deps.settings.get('branding.serviceName');
    this.send(user.email, `${service}: confirm your e-mail address`, [
      `Welcome to ${service}, ${user.displayName}!`,
      '',
      'Please confirm your e-mail address by opening this link (valid for 3 days):',
      `${origin}/verify-email#token=${token}`,
    ]);
  }

  async confirmVerification(token: string): Promise<void> {
    await inTransaction(this.deps.db, this.deps.bus, async ({ trx }) => {
      const used = await consumeOneTimeToken(trx, hashToken(token), 'email_verification', this.deps.clock.now());
      if (!used?.userId) throw new AppError('token_invalid');
      await updateUser(trx, used.userId, { emailVerifiedAt: this.deps.clock.now() });
    });
  }

  /** Mail goes out in the background: the HTTP answer must not depend on (or reveal) SMTP timing. */
  private send(to: string, subject: string, lines: string[]): void {
    this.deps.mailer.send({ to, subject, text: lines.join('\n') }).catch((err: unknown) => {
      this.deps.logger.error({ err: { message: (err as Error).message }, subject }, 'mail could not be sent');
    });
  }
}
