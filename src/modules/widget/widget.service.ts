import type { Clock } from '../../core/clock.js';
import { newId, newToken } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/database.js';
import { inTransaction } from '../../db/transaction.js';
import { domainEvent } from '../../events/domain-events.js';
import type { EventBus } from '../../events/event-bus.js';
import { AppError } from '../../shared/errors.js';
import { zodFieldProblems } from '../../shared/validation.js';
import {
  siteInputSchema,
  type AvailabilityState,
  type ContactView,
  type SiteView,
  type WidgetConfig,
} from '../../shared/widget.js';
import type { AuditActor, AuditService } from '../audit/audit.service.js';
import type { ConversationService } from '../conversations/conversation.service.js';
import type { PublicPrincipal, RequestMeta } from '../identity/principal.js';
import type { IssuedSession, SessionService } from '../identity/session.service.js';
import { insertVisitor } from '../identity/session.repository.js';
import type { KeyService } from '../keys/key.service.js';
import { presentStatus } from '../schedule/schedule.presenter.js';
import type { ScheduleService } from '../schedule/schedule.service.js';
import type { SettingsService } from '../settings/settings.service.js';
import { verifyIdentityToken } from './identity-token.js';
import {
  contactVisitorIds,
  deleteSite,
  deleteVisitor,
  deleteVisitorSessions,
  findContact,
  findContactByVisitor,
  findSite,
  insertContactIfAbsent,
  insertSite,
  listSites,
  touchContact,
  updateSite,
  type WidgetSiteRow,
} from './widget.repository.js';

export interface WidgetServiceDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  keys: KeyService;
  audit: AuditService;
  sessions: SessionService;
  settings: SettingsService;
  schedule: ScheduleService;
  conversations: ConversationService;
}

/** The data key id a site's secret is sealed with (it lives with the conversations' keys, so rotation covers it). */
const secretKeyId = (siteId: string) => `widget-site:${siteId}`;
const secretAad = (siteId: string) => `widget-secret:${siteId}`;
const SITE_ID = /^[A-Za-z0-9_-]{1,64}$/;

const iso = (ms: number) => new Date(ms).toISOString();

function presentSite(row: WidgetSiteRow): SiteView {
  return {
    id: row.id,
    name: row.name,
    origins: JSON.parse(row.origins) as string[],
    secretMasked: `••••••••${row.secretHint}`,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    secretRotatedAt: iso(row.secretRotatedAt),
  };
}

/**
 * The embeddable widget (docs/widget.md): the sites allowed to embed it (origins and identity secret), the public
 * configuration the loader and the frame read, and identity: a host site's signed token turns the frame's visitor
 * into that site's contact.
 */
export class WidgetService {
  constructor(private readonly deps: WidgetServiceDeps) {}

  // Sites (admin)

  async listSites(): Promise<SiteView[]> {
    return (await listSites(this.deps.db)).map(presentSite);
  }

  private parseSite(input: unknown) {
    const parsed = siteInputSchema.safeParse(input);
    if (!parsed.success) throw new AppError('validation_failed', undefined, { fields: zodFieldProblems(parsed.error) });
    return parsed.data;
  }

  /** A new site with a fresh secret, returned once in full. */
  async createSite(actor: AuditActor, input: unknown): Promise<{ site: SiteView; secret: string }> {
    const { name, origins } = this.parseSite(input);
    const id = newToken(12);
    const secret = `wsk_${newToken(32)}`;
    const now = this.deps.clock.now();
    const row = await inTransaction(this.deps.db, this.deps.bus, async ({ trx }) => {
      await this.deps.keys.createDataKey(trx, secretKeyId(id));
      // createDataKey cached the new key: sealing does no I/O inside the transaction.
      const sealed = await this.deps.keys.encryptFor(secretKeyId(id), secret, secretAad(id));
      const site: WidgetSiteRow = {
        id,
        name,
        origins: JSON.stringify(origins),
        secret: sealed,
        secretHint: secret.slice(-4),
        createdAt: now,
        updatedAt: now,
        secretRotatedAt: now,
      };
      await insertSite(trx, site);
      await this.deps.audit.record(trx, actor, {
        action: 'widget.site_created',
        target: { type: 'widget_site', id, name },
        details: { origins },
      });
      return site;
    });
    return { site: presentSite(row), secret };
  }

  async updateSite(actor: AuditActor, id: string, input: unknown): Promise<SiteView> {
    const { name, origins } = this.parseSite(input);
    return inTransaction(this.deps.db, this.deps.bus, async ({ trx }) => {
      const before = await this.requireSite(id, trx);
      await updateSite(trx, id, { name, origins: JSON.stringify(origins), updatedAt: this.deps.clock.now() });
      await this.deps.audit.record(trx, actor, {
        action: 'widget.site_updated',
        target: { type: 'widget_site', id, name },
        details: {
          before: { name: before.name, origins: JSON.parse(before.origins) as string[] },
          after: { name, origins },
        },
      });
      return presentSite((await findSite(trx, id))!);
    });
  }

  /** A new secret replaces the old one at once (tokens signed with the old one are refused from now on). */
  async rotateSecret(actor: AuditActor, id: string): Promise<{ site: SiteView; secret: string }> {
    await this.requireSite(id);
    const secret = `wsk_${newToken(32)}`;
    // Sealed before the transaction (the data key exists already; loading it may read the database).
    const sealed = await this.deps.keys.encryptFor(secretKeyId(id), secret, secretAad(id));
    const now = this.deps.clock.now();
    const row = await inTransaction(this.deps.db, this.deps.bus, async ({ trx }) => {
      const site = await this.requireSite(id, trx);
      await updateSite(trx, id, { secret: sealed, secretHint: secret.slice(-4), secretRotatedAt: now, updatedAt: now });
      await this.deps.audit.record(trx, actor, {
        action: 'widget.secret_rotated',
        target: { type: 'widget_site', id, name: site.name },
      });
      return (await findSite(trx, id))!;
    });
    return { site: presentSite(row), secret };
  }

  /**
   * Removes a site: its frame can no longer be embedded, its secret is shredded, and its signed-in contacts'
   * sessions end at once (their open sockets close on every instance). Their conversations stay for the agents.
   */
  async deleteSite(actor: AuditActor, id: string): Promise<void> {
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      const site = await this.requireSite(id, uow.trx);
      const sessionIds = await deleteVisitorSessions(uow.trx, await contactVisitorIds(uow.trx, id));
      if (sessionIds.length > 0)
        uow.emit(domainEvent('sessions.revoked', { sessionIds, reason: 'widget_site_removed' }));
      await this.deps.keys.shred(uow, secretKeyId(id));
      await deleteSite(uow.trx, id);
      await this.deps.audit.record(uow.trx, actor, {
        action: 'widget.site_deleted',
        target: { type: 'widget_site', id, name: site.name },
        details: { origins: JSON.parse(site.origins) as string[], sessionsEnded: sessionIds.length },
      });
    });
  }

  private async requireSite(id: string, db: Db | Parameters<typeof findSite>[0] = this.deps.db) {
    const row = typeof id === 'string' && SITE_ID.test(id) ? await findSite(db, id) : undefined;
    if (!row) throw new AppError('not_found');
    return row;
  }

  // Public: what the loader and the frame read

  /** The origins a site's frame may be embedded by, or undefined for an unknown site. */
  async originsOf(siteId: string): Promise<string[] | undefined> {
    if (!SITE_ID.test(siteId)) return undefined;
    const row = await findSite(this.deps.db, siteId);
    return row ? (JSON.parse(row.origins) as string[]) : undefined;
  }

  /**
   * The loader's and the frame's configuration, and whether `origin` (the asking page's Origin header, if any) may
   * embed the widget. Unknown sites are not_found. Availability is the landing page's answer (schedule + presence).
   */
  async config(siteId: string, origin: string | undefined): Promise<WidgetConfig> {
    const origins = await this.originsOf(siteId);
    if (!origins)
      throw new AppError(
        'not_found',
        'There is no widget site with this id: copy the snippet again from Admin → Widget.',
      );
    const allowed = origin === undefined ? null : origins.includes(origin.toLowerCase());
    const status = presentStatus(await this.deps.schedule.status());
    const state: AvailabilityState = !status.available ? 'closed' : status.agentsOnline === 0 ? 'away' : 'online';
    const s = this.deps.settings;
    return {
      site: siteId,
      allowed,
      refusal:
        allowed === false
          ? `${origin} is not allowed to embed this chat. An administrator can add it to the site's origins under Admin → Widget.`
          : null,
      serviceName: s.get('branding.serviceName'),
      appearance: {
        title: s.get('widget.title'),
        color: s.get('widget.color'),
        greeting: s.get('widget.greeting'),
        position: s.get('widget.position'),
        offlineBehavior: s.get('widget.offlineBehavior'),
      },
      availability: { state, status },
    };
  }

  // Identity

  /**
   * The frame's visitor proves, with a token the host site signed, that it is the site's user `userId`: it gets a
   * session of that contact's own visitor identity (created on first sight), so its conversations are the
   * contact's history on any device. An anonymous visitor's conversations come along (it held the token, so it is
   * that user); a session of another contact never hands anything over, and is ended; a session of this very
   * contact is kept (no new session: `issued` is null). Forged, expired and
   * other-site tokens are refused (identity_invalid, identity_expired) and change nothing.
   */
  async identify(
    siteId: string,
    token: string,
    current: PublicPrincipal | undefined,
    meta: RequestMeta,
  ): Promise<{ issued: IssuedSession | null; contact: ContactView }> {
    const site = SITE_ID.test(siteId) ? await findSite(this.deps.db, siteId) : undefined;
    if (!site) throw new AppError('identity_invalid', 'There is no widget site with this id.');
    const secret = (await this.deps.keys.decryptFor(secretKeyId(site.id), site.secret, secretAad(site.id))).toString(
      'utf8',
    );
    const now = this.deps.clock.now();
    const verdict = verifyIdentityToken(token, secret, now);
    if (!verdict.ok) {
      this.deps.logger.info({ site: site.id, reason: verdict.reason }, 'widget identity refused');
      throw new AppError(verdict.code);
    }
    const { claims } = verdict;
    const anonymous =
      current?.kind === 'visitor' && (await findContactByVisitor(this.deps.db, current.visitorId)) === undefined
        ? current
        : undefined;

    const issued = await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      // A visitor identity for the contact, kept only if this call creates the contact: (site, user) is unique, so
      // two first sign-ins at once give one contact, and the loser's spare identity is removed again.
      const candidate = newId();
      await insertVisitor(uow.trx, { id: candidate, customerId: null, createdAt: now });
      const created = await insertContactIfAbsent(uow.trx, {
        siteId: site.id,
        externalId: claims.userId,
        visitorId: candidate,
        email: claims.email,
        name: claims.name,
        createdAt: now,
        lastSeenAt: now,
      });
      if (!created) await deleteVisitor(uow.trx, candidate);
      if (!created) {
        await touchContact(uow.trx, site.id, claims.userId, {
          email: claims.email,
          name: claims.name,
          lastSeenAt: now,
        });
      }
      const contact = (await findContact(uow.trx, site.id, claims.userId))!;
      // Already this contact (the host identifies on every page load): the session stays, nothing is issued.
      if (current?.kind === 'visitor' && current.visitorId === contact.visitorId) return null;
      if (anonymous && anonymous.visitorId !== contact.visitorId) {
        await this.deps.conversations.handOverVisitor(uow, anonymous.visitorId, contact.visitorId);
      }
      return this.deps.sessions.issueForVisitor(uow, contact.visitorId, meta);
    });
    // This browser's previous widget session (anonymous, or another contact's) ends: one identity per frame.
    if (issued && current?.kind === 'visitor')
      await this.deps.sessions.revoke(current.sessionId, 'signed_in_elsewhere');
    return { issued, contact: { name: claims.name, email: claims.email } };
  }

  /** The contact behind a visitor session, if it is one (the frame shows "signed in as"). */
  async contactOf(principal: PublicPrincipal | undefined): Promise<ContactView | null> {
    if (principal?.kind !== 'visitor') return null;
    const c = await findContactByVisitor(this.deps.db, principal.visitorId);
    return c ? { name: c.name, email: c.email } : null;
  }
}
