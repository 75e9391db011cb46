import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { Config } from '../../config/config.js';
import type { Db } from '../../db/database.js';
import type { OutboxRow } from '../../db/outbox.js';
import { inTransaction, type UnitOfWork } from '../../db/transaction.js';
import type { EventBus } from '../../events/event-bus.js';
import type { JobsRunner } from '../../jobs/jobs-runner.js';
import type { ConversationStatus } from '../../shared/conversations.js';
import { AppError } from '../../shared/errors.js';
import {
  WEBHOOK_HEADERS,
  type WebhookDeliveryStatus,
  type WebhookDeliveryView,
  type WebhookEventType,
} from '../../shared/integrations.js';
import type { AttachmentService } from '../attachments/attachment.service.js';
import type { AuditActor, AuditService } from '../audit/audit.service.js';
import { findConversation, findParticipant, listParticipants } from '../conversations/conversation.repository.js';
import type { MessageEffect, NewMessage } from '../conversations/append/append-plan.js';
import { messageAad, type ConversationChangeEffect } from '../conversations/conversation.service.js';
import type { KeyService } from '../keys/key.service.js';
import { DecryptionError } from '../keys/record-cipher.js';
import type { WebhookEndpointService } from './webhook-endpoint.service.js';
import { parseEvents } from './webhook-endpoint.service.js';
import { sendWebhook, type WebhookResponse } from './webhook-sender.js';
import { signWebhook } from './webhook-signature.js';
import {
  activeEndpoints,
  claimDelivery,
  dueDeliveries,
  findDelivery,
  findEndpoint,
  findMessageRow,
  insertDeliveries,
  listDeliveries,
  pruneDeliveries,
  recordAttempt,
  type DeliveryFilter,
  type WebhookDeliveryRow,
} from './webhook.repository.js';

/** Outbox topics: one row per event, written in the change's own transaction; the handler fans out. */
export const WEBHOOK_MESSAGE_TOPIC = 'webhooks.message';
export const WEBHOOK_CONVERSATION_TOPIC = 'webhooks.conversation';
/** The periodic task that sends due deliveries (every instance takes part; each delivery is claimed by one). */
export const WEBHOOK_DELIVER_TASK = 'webhooks.deliver';
export const WEBHOOK_DELIVER_EVERY_MS = 5_000;
export const WEBHOOK_PRUNE_TASK = 'webhooks.prune';
export const WEBHOOK_PRUNE_EVERY_MS = 3_600_000;
/** Settled deliveries stay in the log this long. */
export const WEBHOOK_LOG_DAYS = 30;

const MAX_BACKOFF_MS = 6 * 3_600_000;
const BATCH = 20;
/** A pass of the delivery task stops taking new deliveries after this long. */
const PASS_MS = 30_000;
const USER_AGENT = 'SupportCentral-Webhooks/1';

/** The facts of an event at the time it happened: ids and states, never message text. */
interface DeliveryFacts {
  occurredAt: number;
  messageId?: string;
  status?: ConversationStatus;
  agent?: { id: string; name: string } | null;
  closedBy?: string | null;
}

const CHANGE_EVENTS: Partial<Record<string, WebhookEventType>> = {
  created: 'conversation.created',
  joined: 'conversation.assigned',
  closed: 'conversation.closed',
};

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/**
 * Webhook deliveries, exactly once per endpoint and event across instances:
 * 1. A change that some active endpoint subscribes to writes one outbox row in its own transaction (`messageEffects`
 *    for messages, `onConversationChange` for the lifecycle): the event exists if and only if the change committed.
 * 2. The jobs runner carries each outbox row out once (its lease); the handler inserts one delivery row per
 *    subscribed endpoint, keyed `<endpoint>:<event>` (unique): a handler that runs again after a crash inserts
 *    nothing twice.
 * 3. Any instance may send due deliveries, but each attempt first claims its row with a conditional update (one
 *    instance wins; the claim expires by itself after the request timeout plus a margin if its holder dies), and the
 *    outcome is written only under that claim.
 * 4. A crash after the receiver answered but before the outcome was written repeats that one request after the claim
 *    expires, with the same `SC-Webhook-Id`: receivers deduplicate on it (docs/integrations.md). Never lost, never
 *    sent by two instances at once.
 * Failed attempts come back after an exponential backoff until `webhooks.retryForMs` after the event; then the
 * delivery is `failed` and stays in the log, from where an admin may redeliver it (a new delivery of the same event).
 */
export class WebhookDeliveryService {
  constructor(
    private readonly deps: {
      config: Config;
      db: Db;
      bus: EventBus;
      clock: Clock;
      logger: Logger;
      keys: KeyService;
      attachments: AttachmentService;
      audit: AuditService;
      endpoints: WebhookEndpointService;
      jobs: JobsRunner;
      /** A conversation's satisfaction rating as staff see it (comment decrypted), for `csat.submitted`. */
      csatOf?: (conversationId: string) => Promise<{ rating: number; comment: string | null } | null>;
    },
  ) {}

  /** Set once the CSAT service exists (it is built after this one). */
  setCsatSource(csatOf: (conversationId: string) => Promise<{ rating: number; comment: string | null } | null>) {
    this.deps.csatOf = csatOf;
  }

  /** The outbox handler of `csat.submitted` (written by CsatService with every rating): one delivery per endpoint. */
  async fanOutCsat(payload: { conversationId: string }, row: Pick<OutboxRow, 'id' | 'createdAt'>): Promise<void> {
    const endpoints = (await activeEndpoints(this.deps.db)).filter((e) =>
      parseEvents(e.events).includes('csat.submitted'),
    );
    await this.insertFor(endpoints, row.id, 'csat.submitted', payload.conversationId, { occurredAt: row.createdAt });
  }

  // Producing events (inside the change's transaction)

  /** The outbox effect of a stored message, when some endpoint wants it (`messageEffects` in services.ts). */
  messageEffects(m: NewMessage): MessageEffect[] {
    if (m.kind === 'system') return [];
    return this.deps.endpoints.wants('message.created', m.kind === 'note') ? [{ topic: WEBHOOK_MESSAGE_TOPIC }] : [];
  }

  /** A lifecycle change: conversation.created (with its first message), assigned (an agent joined), closed. */
  async onConversationChange(uow: UnitOfWork, e: ConversationChangeEffect): Promise<void> {
    const type = CHANGE_EVENTS[e.change];
    const c = e.conversation;
    const now = this.deps.clock.now();
    if (type && this.deps.endpoints.wants(type)) {
      let agent: DeliveryFacts['agent'] = null;
      if (type === 'conversation.assigned' && e.agentId) {
        const p = await findParticipant(uow.trx, c.id, e.agentId);
        agent = { id: e.agentId, name: p?.displayName ?? '' };
      }
      const facts: DeliveryFacts = { occurredAt: now, status: c.status, agent, closedBy: c.closedByName };
      await uow.enqueue({ topic: WEBHOOK_CONVERSATION_TOPIC, payload: { type, conversationId: c.id, facts } });
    }
    if (e.firstMessageId && this.deps.endpoints.wants('message.created')) {
      await uow.enqueue({
        topic: WEBHOOK_MESSAGE_TOPIC,
        payload: { messageId: e.firstMessageId, conversationId: c.id },
        key: `${WEBHOOK_MESSAGE_TOPIC}:${e.firstMessageId}`,
      });
    }
  }

  // Fan-out (outbox handlers)

  /** One delivery per active endpoint subscribed to a message's event (notes only to those that opted in). */
  async fanOutMessage(
    payload: { messageId: string; conversationId: string },
    row: Pick<OutboxRow, 'id'>,
  ): Promise<void> {
    const m = await findMessageRow(this.deps.db, payload.messageId);
    if (!m || m.kind === 'system') return; // erased meanwhile: nothing to tell
    const endpoints = (await activeEndpoints(this.deps.db)).filter(
      (e) => parseEvents(e.events).includes('message.created') && (m.kind !== 'note' || e.includeNotes === 1),
    );
    await this.insertFor(endpoints, row.id, 'message.created', m.conversationId, {
      occurredAt: m.createdAt,
      messageId: m.id,
    });
  }

  async fanOutConversation(
    payload: { type: WebhookEventType; conversationId: string; facts: DeliveryFacts },
    row: Pick<OutboxRow, 'id'>,
  ): Promise<void> {
    const endpoints = (await activeEndpoints(this.deps.db)).filter((e) => parseEvents(e.events).includes(payload.type));
    await this.insertFor(endpoints, row.id, payload.type, payload.conversationId, payload.facts);
  }

  private async insertFor(
    endpoints: { id: string }[],
    eventId: string,
    type: WebhookEventType,
    conversationId: string,
    facts: DeliveryFacts,
  ): Promise<void> {
    if (endpoints.length === 0) return;
    const now = this.deps.clock.now();
    await insertDeliveries(
      this.deps.db,
      endpoints.map((e) => ({
        ...this.blankDelivery(now),
        id: newId(),
        endpointId: e.id,
        eventId,
        eventType: type,
        conversationId,
        facts: JSON.stringify(facts),
        dedupeKey: `${e.id}:${eventId}`,
        redeliveryOf: null,
      })),
    );
    this.deps.jobs.runSoon(WEBHOOK_DELIVER_TASK, 0);
  }

  private blankDelivery(now: number) {
    return {
      status: 'pending' as const,
      attempts: 0,
      createdAt: now,
      nextAttemptAt: now,
      claimedUntil: null,
      claim: null,
      lastAttemptAt: null,
      deliveredAt: null,
      responseStatus: null,
      latencyMs: null,
      responseSnippet: null,
      error: null,
    };
  }

  // Sending (the periodic task)

  /** Sends what is due, a batch at a time in parallel; resolves with how many attempts this instance made. */
  async deliverDue(): Promise<number> {
    const { db, clock, config } = this.deps;
    const until = Date.now() + PASS_MS;
    let attempts = 0;
    while (Date.now() < until) {
      const now = clock.now();
      const due = await dueDeliveries(db, now, BATCH);
      if (due.length === 0) break;
      const mine: (WebhookDeliveryRow & { claim: string })[] = [];
      for (const d of due) {
        const claim = newId();
        // The claim outlives the request's timeout, so it never expires while the request can still succeed.
        if (await claimDelivery(db, d.id, claim, now, now + config.webhooks.timeoutMs + 60_000))
          mine.push({ ...d, claim });
      }
      if (mine.length === 0) break;
      await Promise.all(mine.map((d) => this.attempt(d)));
      attempts += mine.length;
    }
    return attempts;
  }

  private async attempt(d: WebhookDeliveryRow & { claim: string }): Promise<void> {
    const { db, clock, config, logger } = this.deps;
    let response: WebhookResponse;
    let final = false;
    try {
      const endpoint = await findEndpoint(db, d.endpointId);
      if (!endpoint) return; // deleted: its deliveries went with it
      const body = endpoint.isActive === 1 ? await this.bodyOf(d) : null;
      if (endpoint.isActive !== 1 || body === null) {
        final = true;
        response = {
          status: null,
          ok: false,
          latencyMs: 0,
          snippet: null,
          error:
            endpoint.isActive !== 1
              ? 'The endpoint is disabled; nothing was sent'
              : 'The conversation or message no longer exists (erased); nothing was sent',
        };
      } else {
        const secret = await this.deps.endpoints.secretOf(endpoint);
        const timestamp = Math.floor(clock.now() / 1000);
        response = await sendWebhook({
          url: endpoint.url,
          body,
          allowPrivateNetwork: endpoint.allowPrivateNetwork === 1,
          timeoutMs: config.webhooks.timeoutMs,
          headers: {
            'content-type': 'application/json',
            'user-agent': USER_AGENT,
            [WEBHOOK_HEADERS.eventId]: d.eventId,
            [WEBHOOK_HEADERS.delivery]: d.id,
            [WEBHOOK_HEADERS.event]: d.eventType,
            [WEBHOOK_HEADERS.timestamp]: String(timestamp),
            [WEBHOOK_HEADERS.signature]: signWebhook(secret, timestamp, body),
          },
        });
      }
    } catch (err) {
      // Our side failed (database, keys): counts as an attempt, comes back later.
      logger.warn({ err: { message: (err as Error).message }, deliveryId: d.id }, 'webhook attempt failed on our side');
      response = { status: null, ok: false, latencyMs: 0, snippet: null, error: 'Internal error before sending' };
    }
    const at = clock.now();
    const attempts = d.attempts + 1;
    let status: WebhookDeliveryStatus = response.ok ? 'delivered' : 'failed';
    let nextAttemptAt: number | null = null;
    if (!response.ok && !final) {
      const wait = Math.min(MAX_BACKOFF_MS, config.webhooks.firstRetryMs * 2 ** (attempts - 1));
      if (at + wait <= d.createdAt + config.webhooks.retryForMs) {
        status = 'pending';
        nextAttemptAt = at + wait;
        this.deps.jobs.runSoon(WEBHOOK_DELIVER_TASK, wait);
      }
    }
    await recordAttempt(db, d.id, d.claim, {
      status,
      attempts,
      nextAttemptAt,
      lastAttemptAt: at,
      deliveredAt: response.ok ? at : null,
      responseStatus: response.status,
      latencyMs: response.latencyMs,
      responseSnippet: response.snippet,
      error: response.error,
    });
    if (status === 'failed') {
      logger.warn(
        { deliveryId: d.id, endpointId: d.endpointId, attempts, error: response.error },
        'webhook delivery gave up',
      );
    }
  }

  /** The delivery's JSON body, built now from the database (message text decrypted); null if its subject is gone. */
  async bodyOf(d: WebhookDeliveryRow): Promise<string | null> {
    const { db } = this.deps;
    const facts = JSON.parse(d.facts) as DeliveryFacts;
    const c = d.conversationId ? await findConversation(db, d.conversationId) : undefined;
    if (!c) return null;
    const agents = await listParticipants(db, [c.id]);
    const data: Record<string, unknown> = {
      conversation: {
        id: c.id,
        status: c.status,
        displayName: c.displayName,
        email: c.email,
        topic: c.topicLabel,
        visitorId: c.visitorId,
        customerId: c.customerId,
        createdAt: iso(c.createdAt),
        lastMessageAt: iso(c.lastMessageAt),
        closedAt: iso(c.closedAt),
        closedBy: c.closedByName,
        agents: agents.map((a) => ({ id: a.userId, name: a.displayName })),
      },
    };
    if (d.eventType === 'message.created') {
      const m = facts.messageId ? await findMessageRow(db, facts.messageId) : undefined;
      if (!m) return null;
      let text: string;
      try {
        text = (await this.deps.keys.decryptFor(c.id, m.body, messageAad(c.id, m.id))).toString('utf8');
      } catch (err) {
        if (err instanceof DecryptionError) return null;
        throw err;
      }
      const files = (await this.deps.attachments.viewsByMessage(db, [m.id])).get(m.id) ?? [];
      data.message = {
        id: m.id,
        seq: m.seq,
        publicSeq: m.publicSeq,
        kind: m.kind,
        author: { type: m.authorType, id: m.authorId, name: m.authorName, title: m.authorTitle },
        text,
        attachments: files.map((f) => ({ id: f.id, name: f.name, size: f.size, mime: f.mime })),
        createdAt: iso(m.createdAt),
      };
    } else if (d.eventType === 'csat.submitted') {
      // The rating as it is now (a changed rating sends its latest state; the comment decrypted).
      const csat = await this.deps.csatOf?.(c.id);
      if (!csat) return null;
      data.csat = { rating: csat.rating, comment: csat.comment };
    } else {
      data.change = { status: facts.status ?? null, agent: facts.agent ?? null, closedBy: facts.closedBy ?? null };
    }
    return JSON.stringify({ id: d.eventId, type: d.eventType, createdAt: iso(facts.occurredAt), data });
  }

  // The log

  async list(filter: DeliveryFilter): Promise<{ deliveries: WebhookDeliveryView[]; total: number }> {
    const { rows, total } = await listDeliveries(this.deps.db, filter);
    return { deliveries: rows.map((r) => presentDelivery(r, r.endpointUrl)), total };
  }

  /** Sends an event to its endpoint again, as a new delivery (its own attempts); audited. */
  async redeliver(actor: AuditActor, id: string): Promise<WebhookDeliveryView> {
    const d = typeof id === 'string' && id.length <= 64 ? await findDelivery(this.deps.db, id) : undefined;
    if (!d) throw new AppError('not_found');
    const endpoint = await findEndpoint(this.deps.db, d.endpointId);
    if (!endpoint) throw new AppError('not_found');
    const now = this.deps.clock.now();
    const copy: WebhookDeliveryRow = {
      ...this.blankDelivery(now),
      id: newId(),
      endpointId: d.endpointId,
      eventId: d.eventId,
      eventType: d.eventType,
      conversationId: d.conversationId,
      facts: d.facts,
      dedupeKey: null,
      redeliveryOf: d.id,
    };
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await insertDeliveries(uow.trx, [copy]);
      await this.deps.audit.record(uow.trx, actor, {
        action: 'webhook.redelivered',
        target: { type: 'webhook', id: endpoint.id, name: endpoint.url },
        details: { event: d.eventType, eventId: d.eventId },
      });
    });
    this.deps.jobs.runSoon(WEBHOOK_DELIVER_TASK, 0);
    return presentDelivery(copy, endpoint.url);
  }

  /** Drops settled deliveries older than the log's history. */
  prune(): Promise<number> {
    return pruneDeliveries(this.deps.db, this.deps.clock.now() - WEBHOOK_LOG_DAYS * 86_400_000);
  }
}

export function presentDelivery(r: WebhookDeliveryRow, endpointUrl: string): WebhookDeliveryView {
  return {
    id: r.id,
    endpointId: r.endpointId,
    endpointUrl,
    eventId: r.eventId,
    event: r.eventType as WebhookEventType,
    conversationId: r.conversationId,
    status: r.status,
    attempts: r.attempts,
    createdAt: new Date(r.createdAt).toISOString(),
    lastAttemptAt: iso(r.lastAttemptAt),
    nextAttemptAt: r.status === 'pending' ? iso(r.nextAttemptAt) : null,
    deliveredAt: iso(r.deliveredAt),
    responseStatus: r.responseStatus,
    latencyMs: r.latencyMs,
    responseSnippet: r.responseSnippet,
    error: r.error,
    redeliveryOf: r.redeliveryOf,
  };
}
