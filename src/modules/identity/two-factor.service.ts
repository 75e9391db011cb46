import { createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Clock } from '../../core/clock.js';
import type { Db } from '../../db/database.js';
import { inTransaction, type UnitOfWork } from '../../db/transaction.js';
import type { EventBus } from '../../events/event-bus.js';
import { AppError } from '../../shared/errors.js';
import type { AuditActor, AuditService } from '../audit/audit.service.js';
import type { KeyService } from '../keys/key.service.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { LoginThrottle } from './login-throttle.js';
import type { PasswordHasher } from './password-hasher.js';
import type { RequestMeta, StaffPrincipal } from './principal.js';
import type { SessionService } from './session.service.js';
import {
  claimStep,
  countUnusedRecoveryCodes,
  deleteTwoFactor,
  enableTwoFactor,
  findTwoFactor,
  replaceRecoveryCodes,
  replaceTwoFactor,
  spendRecoveryCode,
} from './two-factor.repository.js';
import { findUserById, type UserRow } from './user.repository.js';

const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** One step either side: a phone clock 30 s off still works. */
const WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** The data key (in conversation_keys) that seals a staff member's TOTP secret; removing it shreds the secret. */
export const totpKeyId = (userId: string) => `totp:${userId}`;
const secretAad = (userId: string) => `totp-secret:${userId}`;

/** `xxxxx-xxxxx`: 10 characters of a 31-letter alphabet, about 50 bits each, never ambiguous (no 0/o, 1/l/i). */
function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = Array.from(bytes, (b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]!).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** Spaces, dashes and case do not matter when a person types a recovery code. */
export const normaliseRecoveryCode = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');
const hashRecoveryCode = (code: string) => createHash('sha256').update(normaliseRecoveryCode(code)).digest('hex');

export interface TwoFactorStatus {
  enabled: boolean;
  enabledAt: number | null;
  recoveryCodesLeft: number;
  /** The admin policy applies to this person and they are not enrolled yet. */
  enrolmentRequired: boolean;
}

export interface Enrolment {
  /** Base32, for typing into an authenticator by hand. */
  secret: string;
  /** The otpauth:// URI the QR code holds. */
  uri: string;
  /** The QR code as an SVG data URL. */
  qrCode: string;
}

export interface TwoFactorDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  keys: KeyService;
  hasher: PasswordHasher;
  sessions: SessionService;
  audit: AuditService;
  throttle: LoginThrottle;
  settings: SettingsService;
}

const actorOf = (p: StaffPrincipal, meta: RequestMeta): AuditActor => ({ id: p.userId, name: p.username, ip: meta.ip });

/**
 * Staff two-factor sign-in: TOTP (RFC 6238, via `otpauth`) with single-use recovery codes.
 * - The secret is sealed under its own data key and only opened to check a code; a code's 30-second step is
 *   recorded atomically (`claimStep`), so a code is accepted once, even by two instances at the same moment.
 * - Code checks are throttled like passwords (the sign-in throttle, keyed by account and client).
 * - Enabling ends the person's other sessions (they were opened with a password alone); disabling needs the password.
 * - Every change is audited.
 */
export class TwoFactorService {
  constructor(private readonly deps: TwoFactorDeps) {}

  private totp(secret: string, label: string): TOTP {
    return new TOTP({
      issuer: this.deps.settings.get('branding.serviceName'),
      label,
      algorithm: 'SHA1',
      digits: DIGITS,
      period: PERIOD_SECONDS,
      secret: Secret.fromBase32(secret),
    });
  }

  /** Whether an admin must enrol before doing anything else (the `security.adminTwoFactorRequired` setting). */
  mustEnrol(p: StaffPrincipal): boolean {
    return p.role === 'admin' && !p.twoFactor && this.deps.settings.get('security.adminTwoFactorRequired');
  }

  async isEnabled(userId: string): Promise<boolean> {
    const row = await findTwoFactor(this.deps.db, userId);
    return row?.enabledAt !== null && row?.enabledAt !== undefined;
  }

  async status(p: StaffPrincipal): Promise<TwoFactorStatus> {
    const row = await findTwoFactor(this.deps.db, p.userId);
    const enabled = row?.enabledAt !== null && row?.enabledAt !== undefined;
    return {
      enabled,
      enabledAt: enabled ? row!.enabledAt : null,
      recoveryCodesLeft: enabled ? await countUnusedRecoveryCodes(this.deps.db, p.userId) : 0,
      enrolmentRequired: !enabled && p.role === 'admin' && this.deps.settings.get('security.adminTwoFactorRequired'),
    };
  }

  /** A new secret waiting for its first code (replaces an unfinished one); refused while 2FA is on. */
  async beginEnrolment(p: StaffPrincipal): Promise<Enrolment> {
    const existing = await findTwoFactor(this.deps.db, p.userId);
    if (existing?.enabledAt) throw new AppError('two_factor_already_enabled');
    const secret = new Secret({ size: 20 }).base32;
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await this.deps.keys.shred(uow, totpKeyId(p.userId));
      await this.deps.keys.createDataKey(uow.trx, totpKeyId(p.userId));
      await replaceTwoFactor(uow.trx, {
        userId: p.userId,
        secret: await this.deps.keys.encryptFor(totpKeyId(p.userId), secret, secretAad(p.userId)),
        enabledAt: null,
        lastStep: 0,
        createdAt: this.deps.clock.now(),
      });
    });
    const uri = this.totp(secret, p.username).toString();
    // Loaded on the first enrolment, not at start.
    const { default: QRCode } = await import('qrcode');
    const svg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    return { secret, uri, qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
  }

  /**
   * Confirms enrolment with a first code: two-factor is on, fresh recovery codes are returned (shown once), and
   * every other session of this person ends.
   */
  async confirmEnrolment(p: StaffPrincipal, code: string, meta: RequestMeta): Promise<string[]> {
    const row = await findTwoFactor(this.deps.db, p.userId);
    if (!row) throw new AppError('two_factor_not_enabled', 'Start the set-up first.');
    if (row.enabledAt) throw new AppError('two_factor_already_enabled');
    const step = await this.throttled(p.userId, meta, async () => this.matchingStep(row.userId, row.secret, code, p));
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      if (!(await enableTwoFactor(uow.trx, p.userId, this.deps.clock.now(), step))) {
        throw new AppError('two_factor_already_enabled');
      }
      await this.storeRecoveryCodes(uow, p.userId, codes);
      await this.deps.sessions.revokeAllForUser(uow, p.userId, 'two_factor_changed', p.sessionId);
      await this.deps.audit.record(uow.trx, actorOf(p, meta), { action: 'staff.two_factor_enabled' });
    });
    return codes;
  }

  /** New recovery codes (the old ones stop working); needs the password. */
  async regenerateRecoveryCodes(p: StaffPrincipal, password: string, meta: RequestMeta): Promise<string[]> {
    await this.checkPassword(p, password, meta);
    if (!(await this.isEnabled(p.userId))) throw new AppError('two_factor_not_enabled');
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await this.storeRecoveryCodes(uow, p.userId, codes);
      await this.deps.audit.record(uow.trx, actorOf(p, meta), { action: 'staff.recovery_codes_regenerated' });
    });
    return codes;
  }

  /** Turns two-factor off for oneself; needs the password. */
  async disable(p: StaffPrincipal, password: string, meta: RequestMeta): Promise<void> {
    await this.checkPassword(p, password, meta);
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      if (!(await this.remove(uow, p.userId))) throw new AppError('two_factor_not_enabled');
      await this.deps.audit.record(uow.trx, actorOf(p, meta), { action: 'staff.two_factor_disabled' });
    });
  }

  /** An admin turns someone's two-factor off (a lost phone, no recovery codes left): their sessions end. */
  async resetFor(actor: AuditActor, user: UserRow): Promise<void> {
    if (user.role === 'customer') throw new AppError('not_found');
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      if (!(await this.remove(uow, user.id))) throw new AppError('two_factor_not_enabled');
      await this.deps.sessions.revokeAllForUser(uow, user.id, 'two_factor_changed');
      await this.deps.audit.record(uow.trx, actor, {
        action: 'user.two_factor_reset',
        target: { type: 'user', id: user.id, name: user.username },
      });
    });
  }

  /** Removes a person's enrolment and shreds its key, in the caller's transaction (also when the account goes). */
  async remove(uow: UnitOfWork, userId: string): Promise<boolean> {
    const removed = await deleteTwoFactor(uow.trx, userId);
    await this.deps.keys.shred(uow, totpKeyId(userId));
    return removed;
  }

  /**
   * The sign-in's second step: a 6-digit code, or a recovery code (spent). Throttled like passwords; a failure is
   * audited. Returns how the person proved it.
   */
  async verifySignIn(user: UserRow, code: string, meta: RequestMeta): Promise<'totp' | 'recovery_code'> {
    const row = await findTwoFactor(this.deps.db, user.id);
    if (!row?.enabledAt) throw new AppError('two_factor_code_invalid');
    return this.throttled(
      user.id,
      meta,
      async () => {
        const typed = code.trim();
        if (/^\d{6}$/.test(typed)) {
          const step = await this.matchingStep(user.id, row.secret, typed, { username: user.username });
          if (await claimStep(this.deps.db, user.id, step)) return 'totp' as const;
          throw new AppError('two_factor_code_invalid');
        }
        if (await spendRecoveryCode(this.deps.db, user.id, hashRecoveryCode(typed), this.deps.clock.now())) {
          return 'recovery_code' as const;
        }
        throw new AppError('two_factor_code_invalid');
      },
      async () => {
        await this.deps.audit.record(
          this.deps.db,
          { id: user.id, name: user.username, ip: meta.ip },
          { action: 'staff.two_factor_failed', target: { type: 'user', id: user.id, name: user.username } },
        );
      },
    );
  }

  /** The 30-second step `code` belongs to (within the window), or two_factor_code_invalid. */
  private async matchingStep(userId: string, sealed: Buffer, code: string, who: { username: string }): Promise<number> {
    const secret = (await this.deps.keys.decryptFor(totpKeyId(userId), sealed, secretAad(userId))).toString('utf8');
    const now = this.deps.clock.now();
    const delta = /^\d{6}$/.test(code.trim())
      ? this.totp(secret, who.username).validate({ token: code.trim(), timestamp: now, window: WINDOW })
      : null;
    if (delta === null) throw new AppError('two_factor_code_invalid');
    return Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
  }

  /** Runs a code check under the sign-in throttle (account `2fa:<userId>` and client). */
  private async throttled<T>(
    userId: string,
    meta: RequestMeta,
    check: () => Promise<T>,
    onFailure?: () => Promise<void>,
  ): Promise<T> {
    const key = `2fa:${userId}`;
    const ip = meta.ip ?? 'unknown';
    await this.deps.throttle.assertAllowed(key, ip);
    try {
      const result = await check();
      await this.deps.throttle.recordSuccess(key, ip);
      return result;
    } catch (err) {
      if (err instanceof AppError && err.code === 'two_factor_code_invalid') {
        await this.deps.throttle.recordFailure(key, ip);
        await onFailure?.();
      }
      throw err;
    }
  }

  private async checkPassword(p: StaffPrincipal, password: string, meta: RequestMeta): Promise<void> {
    const user = await findUserById(this.deps.db, p.userId);
    if (!user) throw new AppError('unauthenticated');
    const key = `confirm-password:${user.id}`;
    const ip = meta.ip ?? 'unknown';
    await this.deps.throttle.assertAllowed(key, ip);
    if (!(await this.deps.hasher.verify(user.passwordHash, password))) {
      await this.deps.throttle.recordFailure(key, ip);
      throw new AppError('validation_failed', undefined, {
        fields: [{ path: 'password', message: 'is not your current password' }],
      });
    }
    await this.deps.throttle.recordSuccess(key, ip);
  }

  private async storeRecoveryCodes(uow: UnitOfWork, userId: string, codes: string[]): Promise<void> {
    const now = this.deps.clock.now();
    await replaceRecoveryCodes(
      uow.trx,
      codes.map((c) => ({ userId, codeHash: hashRecoveryCode(c), createdAt: now, usedAt: null })),
    );
  }
}
