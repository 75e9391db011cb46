import type { Clock } from '../../core/clock.js';
import type { Db } from '../../db/database.js';
import { inTransaction, type UnitOfWork } from '../../db/transaction.js';
import type { EventBus } from '../../events/event-bus.js';
import { AppError } from '../../shared/errors.js';
import type { AuditService } from '../audit/audit.service.js';
import type { LoginThrottle } from './login-throttle.js';
import type { PasswordHasher } from './password-hasher.js';
import { passwordProblem } from './password-policy.js';
import type { CustomerPrincipal, Principal, PublicPrincipal, RequestMeta, StaffPrincipal } from './principal.js';
import { hashToken, type IssuedSession, type SessionService } from './session.service.js';
import { linkVisitorToCustomer } from './session.repository.js';
import { findOneTimeToken, consumeOneTimeToken, insertOneTimeToken } from './token.repository.js';
import type { TwoFactorService } from './two-factor.service.js';
import { findUserById, findUserByLoginKey, updateUser, type UserRow } from './user.repository.js';
import { newToken } from '../../core/ids.js';

/** Runs when an anonymous visitor becomes a customer in the same browser (its open conversation comes along). */
export type VisitorLinkedHook = (uow: UnitOfWork, visitorId: string, customer: UserRow) => Promise<void>;

export interface AuthServiceDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  hasher: PasswordHasher;
  sessions: SessionService;
  audit: AuditService;
  throttle: LoginThrottle;
  twoFactor: TwoFactorService;
}

/** A password sign-in's outcome: a session, or (staff with two-factor on) a challenge for the code. */
export type LoginResult =
  | { user: UserRow; session: IssuedSession; challenge?: undefined }
  | { user: UserRow; challenge: { token: string; expiresAt: number }; session?: undefined };

/** The second step of a staff sign-in must follow the password within this long. */
export const TWO_FACTOR_CHALLENGE_TTL_MS = 5 * 60_000;
const CHALLENGE_PURPOSE = 'staff_two_factor';

const loginKey = (login: string) => login.normalize('NFKC').trim().toLowerCase();

/**
 * Signing in and out, and changing one's own password. Wrong password, unknown account and deactivated account
 * all give the same `invalid_credentials`, after the same amount of work.
 */
export class AuthService {
  readonly hooks = { visitorLinked: [] as VisitorLinkedHook[] };

  constructor(private readonly deps: AuthServiceDeps) {}

  async login(
    side: 'customer' | 'staff',
    credentials: { login: string; password: string },
    meta: RequestMeta,
    current?: PublicPrincipal,
  ): Promise<LoginResult> {
    const key = loginKey(credentials.login);
    const ip = meta.ip ?? 'unknown';
    await this.deps.throttle.assertAllowed(key, ip);

    const user = await findUserByLoginKey(this.deps.db, key);
    const rightSide = user !== undefined && (side === 'staff' ? user.role !== 'customer' : user.role === 'customer');
    const ok =
      user && rightSide && user.isActive === 1
        ? await this.deps.hasher.verify(user.passwordHash, credentials.password)
        : false;
    if (!user || !rightSide || user.isActive !== 1) await this.deps.hasher.verifyNothing(credentials.password);

    if (!ok || !user) {
      await this.deps.throttle.recordFailure(key, ip);
      if (user && side === 'staff' && rightSide) {
        await this.deps.audit.record(
          this.deps.db,
          { id: null, name: credentials.login.slice(0, 100), ip: meta.ip },
          {
            action: 'staff.login_failed',
            target: { type: 'user', id: user.id, name: user.username },
          },
        );
      }
      throw new AppError('invalid_credentials');
    }
    await this.deps.throttle.recordSuccess(key, ip);

    if (side === 'staff' && (await this.deps.twoFactor.isEnabled(user.id))) {
      // The password was right; the session waits for the second factor (a short-lived, single-use challenge).
      const token = newToken(32);
      const now = this.deps.clock.now();
      const expiresAt = now + TWO_FACTOR_CHALLENGE_TTL_MS;
      await insertOneTimeToken(this.deps.db, {
        tokenHash: hashToken(token),
        purpose: CHALLENGE_PURPOSE,
        userId: user.id,
        subjectId: null,
        createdAt: now,
        expiresAt,
        usedAt: null,
      });
      return { user, challenge: { token, expiresAt } };
    }

    const session = await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await updateUser(uow.trx, user.id, { lastLoginAt: this.deps.clock.now() });
      if (side === 'staff') {
        await this.deps.audit.record(
          uow.trx,
          { id: user.id, name: user.username, ip: meta.ip },
          { action: 'staff.login' },
        );
        return this.deps.sessions.issueForUser(uow, 'staff', user.id, null, meta);
      }
      return this.issueCustomerSession(uow, user, meta, current);
    });
    if (current && side === 'customer') await this.deps.sessions.revoke(current.sessionId, 'signed_in_elsewhere');
    return { user, session };
  }

  /**
   * The second step of a staff sign-in: the challenge from the password step and a TOTP or recovery code. The
   * code is checked (throttled) before the challenge is spent, so a typo does not cost the password step; the
   * challenge is then spent atomically with the session's creation (a replay gets token_invalid).
   */
  async completeTwoFactor(
    input: { challenge: string; code: string },
    meta: RequestMeta,
  ): Promise<{ user: UserRow; session: IssuedSession }> {
    const now = this.deps.clock.now();
    const pending = await findOneTimeToken(this.deps.db, hashToken(input.challenge), CHALLENGE_PURPOSE, now);
    const user = pending?.userId ? await findUserById(this.deps.db, pending.userId) : undefined;
    if (!pending || !user || user.isActive !== 1 || user.role === 'customer') throw new AppError('token_invalid');
    const method = await this.deps.twoFactor.verifySignIn(user, input.code, meta);
    const session = await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      if (!(await consumeOneTimeToken(uow.trx, pending.tokenHash, CHALLENGE_PURPOSE, now))) {
        throw new AppError('token_invalid');
      }
      await updateUser(uow.trx, user.id, { lastLoginAt: now });
      await this.deps.audit.record(
        uow.trx,
        { id: user.id, name: user.username, ip: meta.ip },
        { action: 'staff.login', details: { secondFactor: method } },
      );
      return this.deps.sessions.issueForUser(uow, 'staff', user.id, null, meta);
    });
    return { user, session };
  }

  /**
   * A customer session for this browser. A visitor signing in keeps its conversation: the visitor is linked to the
   * account and the hooks move what it owns.
   */
  async issueCustomerSession(
    uow: UnitOfWork,
    user: UserRow,
    meta: RequestMeta,
    current?: PublicPrincipal,
  ): Promise<IssuedSession> {
    const visitorId =
      current?.kind === 'visitor' ? current.visitorId : current?.kind === 'customer' ? current.visitorId : null;
    if (current?.kind === 'visitor') {
      await linkVisitorToCustomer(uow.trx, current.visitorId, user.id);
      for (const hook of this.hooks.visitorLinked) await hook(uow, current.visitorId, user);
    }
    return this.deps.sessions.issueForUser(uow, 'customer', user.id, visitorId, meta);
  }

  async logout(principal: Principal, meta: RequestMeta): Promise<void> {
    await this.deps.sessions.revoke(principal.sessionId, 'logout');
    if (principal.kind === 'staff') {
      await this.deps.audit.record(
        this.deps.db,
        { id: principal.userId, name: principal.username, ip: meta.ip },
        { action: 'staff.logout' },
      );
    }
  }

  /** Ends every session of the signed-in person, this one included. */
  async logoutEverywhere(principal: CustomerPrincipal | StaffPrincipal, meta: RequestMeta): Promise<number> {
    return inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      const n = await this.deps.sessions.revokeAllForUser(uow, principal.userId, 'logout_everywhere');
      if (principal.kind === 'staff') {
        await this.deps.audit.record(
          uow.trx,
          { id: principal.userId, name: principal.username, ip: meta.ip },
          { action: 'staff.logout_everywhere' },
        );
      }
      return n;
    });
  }

  /**
   * Changes one's own password: the current password is checked (throttled like sign-in), every session ends,
   * and a fresh session is issued for this browser.
   */
  async changePassword(
    principal: CustomerPrincipal | StaffPrincipal,
    input: { currentPassword: string; newPassword: string },
    meta: RequestMeta,
  ): Promise<IssuedSession> {
    const user = await findUserById(this.deps.db, principal.userId);
    if (!user) throw new AppError('unauthenticated');
    const key = `change-password:${user.id}`;
    await this.deps.throttle.assertAllowed(key, meta.ip ?? 'unknown');
    if (!(await this.deps.hasher.verify(user.passwordHash, input.currentPassword))) {
      await this.deps.throttle.recordFailure(key, meta.ip ?? 'unknown');
      throw new AppError('validation_failed', undefined, {
        fields: [{ path: 'currentPassword', message: 'is not your current password' }],
      });
    }
    const problem = passwordProblem(input.newPassword, { username: user.username, email: user.email });
    if (problem)
      throw new AppError('validation_failed', undefined, { fields: [{ path: 'newPassword', message: problem }] });
    if (input.newPassword === input.currentPassword) {
      throw new AppError('validation_failed', undefined, {
        fields: [{ path: 'newPassword', message: 'must differ from the current password' }],
      });
    }
    const passwordHash = await this.deps.hasher.hash(input.newPassword);
    return inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      const now = this.deps.clock.now();
      await updateUser(uow.trx, user.id, { passwordHash, passwordChangedAt: now, updatedAt: now });
      await this.deps.sessions.revokeAllForUser(uow, user.id, 'password_changed');
      if (principal.kind === 'staff') {
        await this.deps.audit.record(
          uow.trx,
          { id: user.id, name: user.username, ip: meta.ip },
          { action: 'staff.password_changed' },
        );
        return this.deps.sessions.issueForUser(uow, 'staff', user.id, null, meta);
      }
      return this.deps.sessions.issueForUser(uow, 'customer', user.id, principal.visitorId, meta);
    });
  }
}
