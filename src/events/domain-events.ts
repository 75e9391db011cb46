/**
 * Typed domain events. Services emit them inside a unit of work; they are published only after the
 * transaction commits (see db/transaction.ts). Names are `noun.verb`. Payloads are plain JSON: they cross
 * instances through Redis when it is configured.
 */
import type { LabelView, SnoozeView, WakeReason } from '../shared/desk-tools.js';

export interface DomainEventMap {
  /** A runtime setting changed; every instance drops its cached value. */
  'settings.changed': { key: string };
  /** Sessions ended (logout, password change, deactivation, deletion): their sockets close on every instance. */
  'sessions.revoked': { sessionIds: string[]; reason: SessionRevocationReason };
  /** A staff or customer account changed (role, name, active flag) or was deleted. */
  'user.changed': { userId: string; change: 'created' | 'updated' | 'deactivated' | 'reactivated' | 'deleted' };
  /**
   * A message was committed. The body is still the encrypted record (base64): neither the bus nor Redis ever
   * carries message plaintext; each instance decrypts once with its cached conversation key.
   */
  'message.created': MessageCreatedPayload;
  /** A conversation's status, agents or owner changed (or it was erased). */
  'conversation.changed': ConversationChangedPayload;
  /** Someone started or stopped typing (ephemeral: never stored). */
  'typing.changed': {
    conversationId: string;
    who: { type: 'visitor' | 'customer' | 'staff'; id: string; name: string };
    isTyping: boolean;
    note: boolean;
  };
  /** A read position moved: the owner's (public numbering) and the agents' furthest (mapped to public numbering). */
  'conversation.read': {
    conversationId: string;
    ownerReadSeq: number;
    agentsReadSeq: number;
    staffReader: { userId: string; seq: number } | null;
  };
  /** A conversation's data key was deleted (crypto-shredded); every instance drops its cached copy. */
  'conversationKey.shredded': { conversationId: string };
  /**
   * Support hours changed (weekly schedule, preset, or a date override). Every instance drops its cached
   * schedule and pushes the new status to its landing-page sockets.
   */
  'schedule.changed': { version: number; scope: 'week' | 'override'; date: string | null };
  /**
   * The number of staff users with a connected desk changed (counted across instances). Landing pages get a
   * fresh status ("all agents are away" or not).
   */
  'presence.changed': { agentsOnline: number };
  /** A staff member's availability or capacity changed: agents online and routing look again. */
  'agent.changed': { userId: string; availability: 'online' | 'away'; capacity: number | null };
  /** Teams or their members changed: desks refresh which queues they see. */
  'teams.changed': { teamId: string | null };
  /** A webhook endpoint was added, changed or removed: every instance reloads which events have subscribers. */
  'webhooks.changed': { endpointId: string };
  /** Rows were written to the outbox (src/db/outbox.ts): a wake-up for the jobs runner, which also polls. */
  'outbox.enqueued': { count: number };
  /** The admin-managed label list changed; `conversationIds` carried a renamed or deleted label (at most 500). */
  'labels.changed': { labelId: string; change: 'created' | 'updated' | 'deleted'; conversationIds: string[] };
  /** A conversation's labels changed (staff only). */
  'conversation.labelled': { conversationId: string; labels: LabelView[] };
  /** A conversation was snoozed (snooze set) or woke (snooze null, with why). Staff only: visitors never see it. */
  'conversation.snoozed': { conversationId: string; snooze: SnoozeView | null; reason: WakeReason | null };
  /**
   * A visitor or customer rated a finished conversation, or changed its rating. Also written to the outbox as topic
   * `csat.submitted` with `{ conversationId }` for webhooks (issue 17).
   */
  'csat.submitted': { conversationId: string; rating: number };
}

export interface MessageCreatedPayload {
  conversationId: string;
  id: string;
  seq: number;
  publicSeq: number | null;
  kind: 'text' | 'system' | 'note';
  authorType: 'visitor' | 'customer' | 'staff' | 'system' | 'bot';
  authorId: string | null;
  authorName: string;
  authorTitle: string | null;
  clientMsgId: string | null;
  body: string;
  createdAt: number;
  visitorId: string | null;
  customerId: string | null;
  /** The message's files: metadata only, names still encrypted (base64 records). */
  attachments: MessageAttachmentItem[];
}

export interface MessageAttachmentItem {
  id: string;
  /** The display name's encrypted record, base64. */
  name: string;
  size: number;
  mime: string;
  isImage: boolean;
}

export interface ConversationChangedPayload {
  conversationId: string;
  change:
    | 'created'
    | 'joined'
    | 'agent_left'
    | 'left'
    | 'closed'
    | 'requeued'
    | 'attached'
    | 'erased'
    // Routing: an automatic assignment, a transfer (to an agent or a team), an assignment passed on unanswered.
    | 'assigned'
    | 'transferred'
    | 'unassigned';
  status: 'waiting' | 'active' | 'closed' | 'left';
  visitorId: string | null;
  customerId: string | null;
  /** The agent who joined, or was assigned (joined, assigned, transferred): their desks subscribe to it. */
  agentId?: string;
}

export type SessionRevocationReason =
  | 'logout'
  | 'logout_everywhere'
  | 'password_changed'
  | 'password_reset'
  | 'deactivated'
  | 'deleted'
  | 'signed_in_elsewhere'
  /** An admin removed the widget site whose signed-in contact this session was. */
  | 'widget_site_removed'
  | 'signed_out_remotely'
  | 'two_factor_changed'
  | 'erased';

export type DomainEventType = keyof DomainEventMap;

export type DomainEvent<K extends DomainEventType = DomainEventType> = {
  [P in K]: { type: P; payload: DomainEventMap[P] };
}[K];

export function domainEvent<K extends DomainEventType>(type: K, payload: DomainEventMap[K]): DomainEvent<K> {
  return { type, payload } as DomainEvent<K>;
}
