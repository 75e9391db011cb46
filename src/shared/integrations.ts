/**
 * Integrations on the wire: API token scopes, webhook event types and the admin forms' schemas, shared by the server
 * and the Admin → API tokens / Webhooks screens.
 */
import { z } from 'zod';
import { normalizeDisplayName } from './display-name.js';

/** What an API token may do. A route names the one scope it needs (OpenAPI `x-required-scope`). */
export const API_SCOPES = [
  'conversations:read',
  'notes:read',
  'messages:write',
  'contacts:manage',
  'webhooks:manage',
] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const API_SCOPE_LABELS: Record<ApiScope, string> = {
  'conversations:read': 'Read the queue, conversations and their messages (without private notes)',
  'notes:read': 'Also read private notes (with conversations:read)',
  'messages:write': 'Reply in open conversations as the token’s bot',
  'contacts:manage': 'List, read and delete customer accounts',
  'webhooks:manage': 'Manage webhook endpoints and read their delivery log',
};

/** Every token begins with this, so a leaked one is recognisable (secret scanners) and never taken for a session. */
export const API_TOKEN_PREFIX = 'scat_';

/** Events an endpoint may subscribe to. */
export const WEBHOOK_EVENTS = [
  'conversation.created',
  'conversation.assigned',
  'conversation.closed',
  'message.created',
  'csat.submitted',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_EVENT_LABELS: Record<WebhookEventType, string> = {
  'conversation.created': 'A visitor or customer started a conversation',
  'conversation.assigned': 'An agent joined a conversation',
  'conversation.closed': 'A conversation was closed',
  'message.created': 'A message was written (visitor, customer, agent or bot)',
  'csat.submitted': 'A visitor or customer rated a conversation (or changed their rating)',
};

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** The signature headers of every delivery (see docs/integrations.md). */
export const WEBHOOK_HEADERS = {
  eventId: 'sc-webhook-id',
  delivery: 'sc-webhook-delivery',
  event: 'sc-webhook-event',
  timestamp: 'sc-webhook-timestamp',
  signature: 'sc-webhook-signature',
} as const;

/** Receivers should refuse a delivery whose timestamp is further than this from their clock. */
export const WEBHOOK_REPLAY_WINDOW_SECONDS = 300;

/** A bot's name: cleaned like a display name (controls, invisible characters, NFC), 2–60 characters. */
const botNameSchema = z
  .string()
  .max(500)
  .transform((v, ctx) => {
    const r = normalizeDisplayName(v);
    const name = r.ok ? r.name : '';
    if (name.length < 2 || [...name].length > 60) {
      ctx.addIssue({ code: 'custom', message: 'must be 2–60 characters' });
      return z.NEVER;
    }
    return name;
  });

export const apiTokenCreateSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'is required').max(80, 'must be at most 80 characters'),
    scopes: z
      .array(z.enum(API_SCOPES))
      .min(1, 'choose at least one scope')
      .max(API_SCOPES.length)
      .transform((s) => [...new Set(s)]),
    /** Required with messages:write: the name its replies carry ("FAQ Bot"). */
    botName: botNameSchema.optional(),
    /** Null or absent: the token does not expire. */
    expiresInDays: z.number().int().min(1).max(3650).nullable().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.scopes.includes('messages:write') && !v.botName) {
      ctx.addIssue({ code: 'custom', path: ['botName'], message: 'is required for messages:write' });
    }
    if (v.scopes.includes('notes:read') && !v.scopes.includes('conversations:read')) {
      ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'notes:read needs conversations:read' });
    }
  });
export type ApiTokenCreateInput = z.infer<typeof apiTokenCreateSchema>;

export interface ApiTokenView {
  id: string;
  name: string;
  /** The first characters of the token, to recognise it ("scat_Ab12…"). */
  prefix: string;
  scopes: ApiScope[];
  botName: string | null;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  status: 'active' | 'revoked' | 'expired';
}

const webhookUrlSchema = z
  .string()
  .trim()
  .max(2000, 'must be at most 2000 characters')
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a URL such as https://hooks.example.com/support' });
      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', message: 'must be an https:// URL' });
    } else if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must not carry a user name or password' });
    } else if (url.hash) {
      ctx.addIssue({ code: 'custom', message: 'must not have a #fragment' });
    }
  });

const webhookFields = {
  url: webhookUrlSchema,
  description: z.string().trim().max(200, 'must be at most 200 characters').default(''),
  events: z
    .array(z.enum(WEBHOOK_EVENTS))
    .min(1, 'choose at least one event')
    .max(WEBHOOK_EVENTS.length)
    .transform((e) => [...new Set(e)]),
  /** Send private notes too (message.created of kind `note`). Off by default. */
  includeNotes: z.boolean().default(false),
  /**
   * Allow targets on loopback, private, link-local and other non-public addresses (and plain http://). Off by
   * default: a webhook must not become a way to reach the server's own network.
   */
  allowPrivateNetwork: z.boolean().default(false),
  isActive: z.boolean().default(true),
};

/** https:// unless the admin allows private targets (an internal receiver on a trusted network, tests). */
const httpsUnlessPrivate = (v: { url?: string; allowPrivateNetwork?: boolean }, ctx: z.RefinementCtx) => {
  if (v.url?.startsWith('http:') && !v.allowPrivateNetwork) {
    ctx.addIssue({
      code: 'custom',
      path: ['url'],
      message: 'must be an https:// URL (plain http:// only with private network targets allowed)',
    });
  }
};

export const webhookEndpointCreateSchema = z.strictObject(webhookFields).superRefine(httpsUnlessPrivate);
export type WebhookEndpointCreateInput = z.infer<typeof webhookEndpointCreateSchema>;

export const webhookEndpointUpdateSchema = z
  .strictObject({
    url: webhookFields.url.optional(),
    description: z.string().trim().max(200, 'must be at most 200 characters').optional(),
    events: webhookFields.events.optional(),
    includeNotes: z.boolean().optional(),
    allowPrivateNetwork: z.boolean().optional(),
    isActive: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');
export type WebhookEndpointUpdateInput = z.infer<typeof webhookEndpointUpdateSchema>;

export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string;
  events: WebhookEventType[];
  includeNotes: boolean;
  allowPrivateNetwork: boolean;
  isActive: boolean;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  /** Deliveries of the last 24 hours: delivered, pending, failed. */
  recent: { delivered: number; pending: number; failed: number };
}

export interface WebhookDeliveryView {
  id: string;
  endpointId: string;
  endpointUrl: string;
  eventId: string;
  event: WebhookEventType;
  conversationId: string | null;
  status: WebhookDeliveryStatus;
  attempts: number;
  createdAt: string;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  /** The last attempt: HTTP status (null: no response), latency, the first bytes of the response, what went wrong. */
  responseStatus: number | null;
  latencyMs: number | null;
  responseSnippet: string | null;
  error: string | null;
  /** A manual redelivery: the delivery it repeats. */
  redeliveryOf: string | null;
}
