import type { Clock } from '../../core/clock.js';
import { newId, newToken } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/database.js';
import { inTransaction } from '../../db/transaction.js';
import { domainEvent } from '../../events/domain-events.js';
import type { EventBus } from '../../events/event-bus.js';
import { AppError } from '../../shared/errors.js';
import {
  WEBHOOK_EVENTS,
  type WebhookEndpointCreateInput,
  type WebhookEndpointUpdateInput,
  type WebhookEndpointView,
  type WebhookEventType,
} from '../../shared/integrations.js';
import { changesBetween, type AuditActor, type AuditService } from '../audit/audit.service.js';
import type { KeyService } from '../keys/key.service.js';
import { isObviouslyPrivateHost } from './webhook-sender.js';
import {
  activeEndpoints,
  deleteEndpoint,
  findEndpoint,
  insertEndpoint,
  listEndpoints,
  recentDeliveryCounts,
  updateEndpoint,
  type WebhookEndpointRow,
} from './webhook.repository.js';

const DAY = 86_400_000;
/** The signing secret's data key lives with the conversations' keys (rotation and the start check cover it). */
export const webhookKeyId = (endpointId: string) => `webhook:${endpointId}`;
const secretAad = (endpointId: string) => `webhook-secret:${endpointId}`;

export const parseEvents = (text: string): WebhookEventType[] => {
  const list = JSON.parse(text) as unknown;
  return Array.isArray(list)
    ? list.filter((e): e is WebhookEventType => (WEBHOOK_EVENTS as readonly unknown[]).includes(e))
    : [];
};

/** What the active endpoints subscribe to: read on every send, so it is a per-instance cache. */
interface Subscriptions {
  events: Set<WebhookEventType>;
  /** Some active endpoint wants private notes with message.created. */
  notes: boolean;
}

/**
 * Webhook endpoints: admins register URLs for events; each gets a random signing secret, shown once (at creation and
 * when rotated) and kept sealed with a data key of its own. Changes are audited and announced on the bus
 * (`webhooks.changed`) so every instance refreshes its subscription cache, which decides whether a change writes a
 * webhook outbox row at all (no endpoint, no row). The cache also reloads after a bus resync and every minute.
 */
export class WebhookEndpointService {
  private subscriptions: Subscriptions = { events: new Set(), notes: false };
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      db: Db;
      bus: EventBus;
      clock: Clock;
      logger: Logger;
      keys: KeyService;
      audit: AuditService;
    },
  ) {
    deps.bus.on('webhooks.changed', () => void this.refresh());
    deps.bus.onResync(() => void this.refresh());
  }

  /** Loads the subscription cache (at start, after migrations). */
  initialise(): Promise<void> {
    return this.refresh();
  }

  /** Reloads what the active endpoints subscribe to; concurrent calls share one query. */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const rows = await activeEndpoints(this.deps.db);
        const events = new Set<WebhookEventType>();
        let notes = false;
        for (const row of rows) {
          const list = parseEvents(row.events);
          for (const e of list) events.add(e);
          if (row.includeNotes === 1 && list.includes('message.created')) notes = true;
        }
        this.subscriptions = { events, notes };
      } catch (err) {
        this.deps.logger.warn({ err: { message: (err as Error).message } }, 'webhook subscriptions not refreshed');
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** Whether some active endpoint subscribes to `event` (for message.created of a note: one that wants notes). */
  wants(event: WebhookEventType, isNote = false): boolean {
    if (!this.subscriptions.events.has(event)) return false;
    return !isNote || this.subscriptions.notes;
  }

  async list(page: number, pageSize: number): Promise<{ endpoints: WebhookEndpointView[]; total: number }> {
    const { rows, total } = await listEndpoints(this.deps.db, pageSize, (page - 1) * pageSize);
    return { endpoints: await this.present(rows), total };
  }

  async get(id: string): Promise<WebhookEndpointView> {
    return (await this.present([await this.require(id)]))[0]!;
  }

  async require(id: string): Promise<WebhookEndpointRow> {
    const row = typeof id === 'string' && id.length <= 64 ? await findEndpoint(this.deps.db, id) : undefined;
    if (!row) throw new AppError('not_found');
    return row;
  }

  /** The endpoint's signing secret, for signing a delivery. */
  async secretOf(row: WebhookEndpointRow): Promise<string> {
    return (await this.deps.keys.decryptFor(webhookKeyId(row.id), row.secret, secretAad(row.id))).toString('utf8');
  }

  async create(
    actor: AuditActor,
    input: WebhookEndpointCreateInput,
  ): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
    this.checkTarget(input.url, input.allowPrivateNetwork);
    const now = this.deps.clock.now();
    const id = newId();
    const secret = newSecret();
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await this.deps.keys.createDataKey(uow.trx, webhookKeyId(id));
      // The new key is cached by createDataKey: sealing does no I/O inside the transaction.
      const sealed = await this.deps.keys.encryptFor(webhookKeyId(id), secret, secretAad(id));
      await insertEndpoint(uow.trx, {
        id,
        url: input.url,
        description: input.description,
        events: JSON.stringify(input.events),
        includeNotes: input.includeNotes ? 1 : 0,
        allowPrivateNetwork: input.allowPrivateNetwork ? 1 : 0,
        isActive: input.isActive ? 1 : 0,
        secret: sealed,
        createdAt: now,
        createdByName: actor.name,
        updatedAt: now,
      });
      await this.deps.audit.record(uow.trx, actor, {
        action: 'webhook.created',
        target: { type: 'webhook', id, name: input.url },
        details: {
          events: input.events,
          includeNotes: input.includeNotes,
          allowPrivateNetwork: input.allowPrivateNetwork,
          isActive: input.isActive,
        },
      });
      uow.emit(domainEvent('webhooks.changed', { endpointId: id }));
    });
    await this.refresh();
    return { endpoint: await this.get(id), secret };
  }

  async update(actor: AuditActor, id: string, input: WebhookEndpointUpdateInput): Promise<WebhookEndpointView> {
    const before = await this.require(id);
    const url = input.url ?? before.url;
    const allowPrivate = input.allowPrivateNetwork ?? before.allowPrivateNetwork === 1;
    if (url.startsWith('http:') && !allowPrivate) {
      throw new AppError('validation_failed', undefined, {
        fields: [
          { path: 'url', message: 'must be an https:// URL (plain http:// only with private network targets allowed)' },
        ],
      });
    }
    this.checkTarget(url, allowPrivate);
    const view = (r: WebhookEndpointRow) => ({
      url: r.url,
      description: r.description,
      events: parseEvents(r.events),
      includeNotes: r.includeNotes === 1,
      allowPrivateNetwork: r.allowPrivateNetwork === 1,
      isActive: r.isActive === 1,
    });
    const after = { ...view(before), ...input };
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await updateEndpoint(uow.trx, id, {
        url: after.url,
        description: after.description,
        events: JSON.stringify(after.events),
        includeNotes: after.includeNotes ? 1 : 0,
        allowPrivateNetwork: after.allowPrivateNetwork ? 1 : 0,
        isActive: after.isActive ? 1 : 0,
        updatedAt: this.deps.clock.now(),
      });
      await this.deps.audit.record(uow.trx, actor, {
        action: 'webhook.updated',
        target: { type: 'webhook', id, name: after.url },
        details: { changes: changesBetween(view(before), after) },
      });
      uow.emit(domainEvent('webhooks.changed', { endpointId: id }));
    });
    await this.refresh();
    return this.get(id);
  }

  /** A new signing secret, shown once; the old one stops signing at once. */
  async rotateSecret(actor: AuditActor, id: string): Promise<{ secret: string }> {
    const row = await this.require(id);
    const secret = newSecret();
    // Sealed before the transaction (the key load may need the database).
    const sealed = await this.deps.keys.encryptFor(webhookKeyId(id), secret, secretAad(id));
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await updateEndpoint(uow.trx, id, { secret: sealed, updatedAt: this.deps.clock.now() });
      await this.deps.audit.record(uow.trx, actor, {
        action: 'webhook.secret_rotated',
        target: { type: 'webhook', id, name: row.url },
      });
    });
    return { secret };
  }

  /** Deletes the endpoint, its delivery log (cascade) and its secret's key (shredded). */
  async remove(actor: AuditActor, id: string): Promise<void> {
    const row = await this.require(id);
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      if (!(await deleteEndpoint(uow.trx, id))) return;
      await this.deps.keys.shred(uow, webhookKeyId(id));
      await this.deps.audit.record(uow.trx, actor, {
        action: 'webhook.deleted',
        target: { type: 'webhook', id, name: row.url },
        details: { events: parseEvents(row.events) },
      });
      uow.emit(domainEvent('webhooks.changed', { endpointId: id }));
    });
    await this.refresh();
  }

  private checkTarget(url: string, allowPrivate: boolean): void {
    if (!allowPrivate && isObviouslyPrivateHost(url)) {
      throw new AppError('webhook_target_refused', undefined, {
        fields: [{ path: 'url', message: 'is not a public address; allow private network targets to use it' }],
      });
    }
  }

  private async present(rows: WebhookEndpointRow[]): Promise<WebhookEndpointView[]> {
    const counts = await recentDeliveryCounts(
      this.deps.db,
      rows.map((r) => r.id),
      this.deps.clock.now() - DAY,
    );
    return rows.map((r) => {
      const recent = { delivered: 0, pending: 0, failed: 0 };
      for (const c of counts)
        if (c.endpointId === r.id && c.status in recent) recent[c.status as keyof typeof recent] = c.n;
      return {
        id: r.id,
        url: r.url,
        description: r.description,
        events: parseEvents(r.events),
        includeNotes: r.includeNotes === 1,
        allowPrivateNetwork: r.allowPrivateNetwork === 1,
        isActive: r.isActive === 1,
        createdAt: new Date(r.createdAt).toISOString(),
        createdBy: r.createdByName,
        updatedAt: new Date(r.updatedAt).toISOString(),
        recent,
      };
    });
  }
}

function newSecret(): string {
  return `whsec_${newToken(32)}`;
}
