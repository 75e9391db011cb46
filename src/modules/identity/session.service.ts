import { createHash } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { newId, newToken } from '../../core/ids.js';
import type { Db } from '../../db/database.js';
import type { SessionKind } from '../../db/schema.js';
import { inTransaction, type UnitOfWork } from '../../db/transaction.js';
import { domainEvent, type SessionRevocationReason } from '../../events/domain-events.js';
import type { EventBus } from '../../events/event-bus.js';
import type { StaffRole } from '../../shared/identity.schemas.js';
import type { Principal, RequestMeta } from './principal.js';
import { deleteExpiredTokens } from './token.repository.js';
import {
  deleteExpiredSessions,
  deleteSession,
  deleteSessionOf,
  deleteUserSessions,
  findLiveSessionIds,
  findSessionByTokenHash,
  insertSession,
  insertVisitor,
  listUserSessions,
  touchSession,
  type SessionRow,
} from './session.repository.js';

const HOUR = 3_600_000;

/** Sliding lifetimes: each use extends the session by this much (refresh writes at most every 5 minutes). */
export const SESSION_TTL_MS: Record<SessionKind, number> = {
  visitor: 24 * HOUR,
  customer: 30 * 24 * HOUR,
  staff: 12 * HOUR,
};
const REFRESH_EVERY_MS = 5 * 60_000;
/** A session list shows at most this many (the newest); "sign out everywhere" ends the rest. */
export const MAX_LISTED_SESSIONS = 100;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface IssuedSession {
  token: string;
  sessionId: string;
  expiresAt: number;
  visitorId: string | null;
}

export interface VerifiedSession {
  principal: Principal;
  expiresAt: number;
  /** True when this verification slid the expiry forward (the cookie should be re-sent). */
  refreshed: boolean;
}

/**
 * Server-side sessions: random 256-bit tokens, stored hashed, revocable. Verification checks expiry and that the
 * user is still active on every call, so a deactivated account is locked out at its next request.
 */
export class SessionService {
  constructor(private readonly deps: { db: Db; bus: EventBus; clock: Clock }) {}

  /** A new anonymous visitor and its session. */
  async createVisitorSession(meta: RequestMeta): Promise<IssuedSession> {
    const now = this.deps.clock.now();
    const visitorId = newId();
    return inTransaction(this.deps.db, this.deps.bus, async ({ trx }) => {
      await insertVisitor(trx, { id: visitorId, customerId: null, createdAt: now });
      return this.insert(trx, 'visitor', null, visitorId, meta);
    });
  }

  /** A new session for an existing visitor (a resume link from an e-mail), inside the caller's transaction. */
  issueForVisitor(uow: UnitOfWork, visitorId: string, meta: RequestMeta): Promise<IssuedSession> {
    return this.insert(uow.trx, 'visitor', null, visitorId, meta);
  }

  /** A session for a signed-in customer or staff member, inside the caller's transaction. */
  issueForUser(
    uow: UnitOfWork,
    kind: 'customer' | 'staff',
    userId: string,
    visitorId: string | null,
    meta: RequestMeta,
  ): Promise<IssuedSession> {
    return this.insert(uow.trx, kind, userId, visitorId, meta);
  }

  private async insert(
    trx: UnitOfWork['trx'],
    kind: SessionKind,
    userId: string | null,
    visitorId: string | null,
    meta: RequestMeta,
  ): Promise<IssuedSession> {
    const now = this.deps.clock.now();
    const token = newToken(32);
    const sessionId = newId();
    const expiresAt = now + SESSION_TTL_MS[kind];
    await insertSession(trx, {
      id: sessionId,
      tokenHash: hashToken(token),
      kind,
      userId,
      visitorId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      ip: meta.ip?.slice(0, 64) ?? null,
      userAgent: meta.userAgent?.slice(0, 300) ?? null,
    });
    return { token, sessionId, expiresAt, visitorId };
  }

  /** The principal behind a token, or undefined for unknown, expired, revoked or deactivated. */
  async verify(token: string): Promise<VerifiedSession | undefined> {
    if (typeof token !== 'string' || token.length < 20 || token.length > 200) return undefined;
    const row = await findSessionByTokenHash(this.deps.db, hashToken(token));
    const now = this.deps.clock.now();
    if (!row || row.expiresAt <= now) return undefined;
    if (row.userId !== null && row.isActive !== 1) return undefined;

    let expiresAt = row.expiresAt;
    let refreshed = false;
    if (now - row.lastSeenAt >= REFRESH_EVERY_MS) {
      expiresAt = now + SESSION_TTL_MS[row.kind];
      refreshed = true;
      await touchSession(this.deps.db, row.id, now, expiresAt);
    }
    const principal = toPrincipal(row);
    return principal ? { principal, expiresAt, refreshed } : undefined;
  }

  /** Ends one session (logout). */
  async revoke(sessionId: string, reason: SessionRevocationReason): Promise<void> {
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      if (await deleteSession(uow.trx, sessionId)) {
        uow.emit(domainEvent('sessions.revoked', { sessionIds: [sessionId], reason }));
      }
    });
  }

  /** Ends every session of a user (but `exceptSessionId`) inside the caller's transaction. */
  async revokeAllForUser(
    uow: UnitOfWork,
    userId: string,
    reason: SessionRevocationReason,
    exceptSessionId?: string,
  ): Promise<number> {
    const ids = await deleteUserSessions(uow.trx, userId, exceptSessionId);
    if (ids.length > 0) uow.emit(domainEvent('sessions.revoked', { sessionIds: ids, reason }));
    return ids.length;
  }

  /** The live sessions of a signed-in person (customer or staff), most recently used first. */
  listForUser(userId: string): Promise<SessionRow[]> {
    return listUserSessions(this.deps.db, userId, this.deps.clock.now(), MAX_LISTED_SESSIONS);
  }

  /**
   * Ends one of `userId`'s sessions (sign out one device) inside the caller's transaction; false when it is not
   * theirs or already gone (the caller answers not_found either way). Its sockets close on every instance.
   */
  async revokeOneOf(uow: UnitOfWork, userId: string, sessionId: string): Promise<boolean> {
    if (!(await deleteSessionOf(uow.trx, userId, sessionId))) return false;
    uow.emit(domainEvent('sessions.revoked', { sessionIds: [sessionId], reason: 'signed_out_remotely' }));
    return true;
  }

  /** Of the given session ids, the ones still valid (used to re-validate open sockets). */
  liveSessionIds(ids: string[]): Promise<Set<string>> {
    return findLiveSessionIds(this.deps.db, ids, this.deps.clock.now());
  }

  /** Deletes sessions that expired, and one-time tokens (reset, verify, resume links) long past their expiry. */
  async purgeExpired(): Promise<number> {
    const now = this.deps.clock.now();
    const sessions = await deleteExpiredSessions(this.deps.db, now);
    await deleteExpiredTokens(this.deps.db, now);
    return sessions;
  }
}

function toPrincipal(row: Awaited<ReturnType<typeof findSessionByTokenHash>> & object): Principal | undefined {
  switch (row.kind) {
    case 'visitor':
      return row.visitorId ? { kind: 'visitor', sessionId: row.id, visitorId: row.visitorId } : undefined;
    case 'customer':
      if (!row.userId || row.role !== 'customer') return undefined;
      return {
        kind: 'customer',
        sessionId: row.id,
        userId: row.userId,
        visitorId: row.visitorId,
        username: row.username ?? '',
        displayName: row.displayName ?? '',
      };
    case 'staff':
      if (!row.userId || (row.role !== 'agent' && row.role !== 'admin')) return undefined;
      return {
        kind: 'staff',
        sessionId: row.id,
        userId: row.userId,
        role: row.role as StaffRole,
        username: row.username ?? '',
        displayName: row.displayName ?? '',
        jobTitle: row.jobTitle ?? '',
        twoFactor: row.twoFactorEnabledAt !== null && row.twoFactorEnabledAt !== undefined,
      };
  }
}
