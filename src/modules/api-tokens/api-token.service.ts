import type { Clock } from '../../core/clock.js';
import { newId, newToken } from '../../core/ids.js';
import type { Db } from '../../db/database.js';
import { inTransaction } from '../../db/transaction.js';
import type { EventBus } from '../../events/event-bus.js';
import { AppError } from '../../shared/errors.js';
import {
  API_SCOPES,
  API_TOKEN_PREFIX,
  type ApiScope,
  type ApiTokenCreateInput,
  type ApiTokenView,
} from '../../shared/integrations.js';
import type { AuditActor, AuditService } from '../audit/audit.service.js';
import { hashToken } from '../identity/session.service.js';
import type { TokenPrincipal } from '../identity/principal.js';
import {
  findApiToken,
  findApiTokenByHash,
  insertApiToken,
  listApiTokens,
  revokeApiToken,
  touchApiToken,
  type ApiTokenRow,
} from './api-token.repository.js';

const DAY = 86_400_000;
/** "Last used" is written at most this often per token, so a busy integration does not write on every request. */
const TOUCH_EVERY_MS = 60_000;
/** Characters of the token kept to recognise it in the list ("scat_Ab12Cd…"). */
const SHOWN_PREFIX = API_TOKEN_PREFIX.length + 6;

/** Whether a bearer value is an API token (as opposed to a session token). */
export const isApiTokenText = (token: string) => token.startsWith(API_TOKEN_PREFIX);

export function presentApiToken(row: ApiTokenRow, now: number): ApiTokenView {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: row.id,
    name: row.name,
    prefix: `${row.prefix}…`,
    scopes: parseScopes(row.scopes),
    botName: row.botName,
    createdAt: new Date(row.createdAt).toISOString(),
    createdBy: row.createdByName,
    expiresAt: iso(row.expiresAt),
    lastUsedAt: iso(row.lastUsedAt),
    lastUsedIp: row.lastUsedIp,
    revokedAt: iso(row.revokedAt),
    revokedBy: row.revokedByName,
    status: row.revokedAt !== null ? 'revoked' : row.expiresAt !== null && row.expiresAt <= now ? 'expired' : 'active',
  };
}

function parseScopes(text: string): ApiScope[] {
  const list = JSON.parse(text) as unknown;
  return Array.isArray(list) ? list.filter((s): s is ApiScope => (API_SCOPES as readonly unknown[]).includes(s)) : [];
}

/**
 * API tokens: created by admins with named scopes, shown once, stored as a SHA-256 hash (like sessions), revocable,
 * with their last use recorded; every creation and revocation is audited in the same transaction. Verification reads
 * the row on every request, so a revocation takes effect at once on every instance (no cache to invalidate).
 */
export class ApiTokenService {
  constructor(private readonly deps: { db: Db; bus: EventBus; clock: Clock; audit: AuditService }) {}

  async create(actor: AuditActor, input: ApiTokenCreateInput): Promise<{ token: string; apiToken: ApiTokenView }> {
    const now = this.deps.clock.now();
    const token = `${API_TOKEN_PREFIX}${newToken(32)}`;
    const row: ApiTokenRow = {
      id: newId(),
      name: input.name,
      tokenHash: hashToken(token),
      prefix: token.slice(0, SHOWN_PREFIX),
      scopes: JSON.stringify(input.scopes),
      // A bot name only means something with messages:write.
      botName: input.scopes.includes('messages:write') ? (input.botName ?? null) : null,
      createdAt: now,
      createdById: actor.id,
      createdByName: actor.name,
      expiresAt: input.expiresInDays ? now + input.expiresInDays * DAY : null,
      lastUsedAt: null,
      lastUsedIp: null,
      revokedAt: null,
      revokedByName: null,
    };
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await insertApiToken(uow.trx, row);
      await this.deps.audit.record(uow.trx, actor, {
        action: 'api_token.created',
        target: { type: 'api_token', id: row.id, name: row.name },
        details: {
          scopes: input.scopes,
          botName: row.botName,
          expiresAt: row.expiresAt === null ? null : new Date(row.expiresAt).toISOString(),
        },
      });
    });
    return { token, apiToken: presentApiToken(row, now) };
  }

  async list(page: number, pageSize: number): Promise<{ tokens: ApiTokenView[]; total: number }> {
    const { rows, total } = await listApiTokens(this.deps.db, pageSize, (page - 1) * pageSize);
    const now = this.deps.clock.now();
    return { tokens: rows.map((r) => presentApiToken(r, now)), total };
  }

  /** Revokes at once (the next request with it is refused on every instance); revoking twice changes nothing. */
  async revoke(actor: AuditActor, id: string): Promise<ApiTokenView> {
    const now = this.deps.clock.now();
    const existing = typeof id === 'string' && id.length <= 64 ? await findApiToken(this.deps.db, id) : undefined;
    if (!existing) throw new AppError('not_found');
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      if (!(await revokeApiToken(uow.trx, id, now, actor.name))) return;
      await this.deps.audit.record(uow.trx, actor, {
        action: 'api_token.revoked',
        target: { type: 'api_token', id, name: existing.name },
        details: { scopes: parseScopes(existing.scopes) },
      });
    });
    return presentApiToken((await findApiToken(this.deps.db, id))!, now);
  }

  /** The principal behind a bearer API token, or undefined for unknown, revoked or expired ones. */
  async verify(token: string, ip: string | null): Promise<TokenPrincipal | undefined> {
    if (!isApiTokenText(token) || token.length > 200) return undefined;
    const row = await findApiTokenByHash(this.deps.db, hashToken(token));
    const now = this.deps.clock.now();
    if (!row || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) return undefined;
    if (row.lastUsedAt === null || now - row.lastUsedAt >= TOUCH_EVERY_MS) {
      await touchApiToken(this.deps.db, row.id, now, ip?.slice(0, 64) ?? null, TOUCH_EVERY_MS);
    }
    return { kind: 'token', tokenId: row.id, name: row.name, scopes: parseScopes(row.scopes), botName: row.botName };
  }
}
