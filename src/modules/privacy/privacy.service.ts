import type { Db } from '../../db/database.js';
import { AppError } from '../../shared/errors.js';
import type { AuditActor } from '../audit/audit.service.js';
import type { LoginThrottle } from '../identity/login-throttle.js';
import type { PasswordHasher } from '../identity/password-hasher.js';
import type { CustomerPrincipal, RequestMeta } from '../identity/principal.js';
import { findUserById } from '../identity/user.repository.js';
import { resolveContact, type ContactRef } from './contact.js';
import type { DataExportService, ExportDownload } from './data-export.service.js';
import type { ErasureResult, ErasureService } from './erasure.service.js';
import {
  contactConversationsByActivity,
  contactSessions,
  countContactConversations,
  countContactFiles,
} from './privacy.repository.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export interface ContactSummary {
  kind: 'customer' | 'visitor';
  id: string;
  name: string;
  email: string | null;
  createdAt: string;
  isActive: boolean | null;
  counts: { conversations: number; files: number; sessions: number; linkedVisitors: number };
  conversations: {
    id: string;
    status: string;
    displayName: string;
    topic: string | null;
    createdAt: string;
    lastMessageAt: string;
  }[];
  page: number;
  pageSize: number;
}

/** The erasure's audit actor when customers erase themselves: no name, no address (the line outlives them). */
export const SELF_SERVICE_ACTOR: AuditActor = { id: null, name: 'customer (self-service)', ip: null };

/**
 * Personal data of contacts (GDPR): what an admin sees before acting, the export (admin, or a customer for
 * themselves) and the erasure (admin, or a customer for themselves after typing their password).
 */
export class PrivacyService {
  constructor(
    private readonly deps: {
      db: Db;
      exporter: DataExportService;
      erasure: ErasureService;
      hasher: PasswordHasher;
      throttle: LoginThrottle;
    },
  ) {}

  async summary(ref: ContactRef, page: number, pageSize: number): Promise<ContactSummary> {
    const { db } = this.deps;
    const contact = await resolveContact(db, ref);
    const [conversations, total, files, sessions] = await Promise.all([
      contactConversationsByActivity(db, contact, pageSize, (page - 1) * pageSize),
      countContactConversations(db, contact),
      countContactFiles(db, contact),
      contactSessions(db, contact.user?.id ?? null, contact.visitorIds),
    ]);
    const latestEmail = conversations.find((c) => c.email)?.email ?? null;
    return {
      kind: contact.kind,
      id: contact.id,
      name: contact.user?.displayName ?? contact.name,
      email: contact.user?.email ?? latestEmail,
      createdAt: iso(contact.createdAt)!,
      isActive: contact.user ? contact.user.isActive === 1 : null,
      counts: {
        conversations: total,
        files,
        sessions: sessions.length,
        linkedVisitors: contact.visitorIds.filter((v) => v !== contact.id).length,
      },
      conversations: conversations.map((c) => ({
        id: c.id,
        status: c.status,
        displayName: c.displayName,
        topic: c.topicLabel,
        createdAt: iso(c.createdAt)!,
        lastMessageAt: iso(c.lastMessageAt)!,
      })),
      page,
      pageSize,
    };
  }

  export(ref: ContactRef, actor: AuditActor): Promise<ExportDownload> {
    return this.deps.exporter.export(ref, actor);
  }

  erase(ref: ContactRef, actor: AuditActor): Promise<ErasureResult> {
    return this.deps.erasure.erase(ref, actor);
  }

  /** A customer erases their own account and data; the password is checked first (throttled like sign-in). */
  async eraseSelf(p: CustomerPrincipal, password: string, meta: RequestMeta): Promise<ErasureResult> {
    const user = await findUserById(this.deps.db, p.userId);
    if (!user) throw new AppError('unauthenticated');
    const key = `erase-account:${user.id}`;
    const ip = meta.ip ?? 'unknown';
    await this.deps.throttle.assertAllowed(key, ip);
    if (!(await this.deps.hasher.verify(user.passwordHash, password))) {
      await this.deps.throttle.recordFailure(key, ip);
      throw new AppError('validation_failed', undefined, {
        fields: [{ path: 'password', message: 'is not your current password' }],
      });
    }
    await this.deps.throttle.recordSuccess(key, ip);
    return this.deps.erasure.erase({ kind: 'customer', id: user.id }, SELF_SERVICE_ACTOR);
  }
}
