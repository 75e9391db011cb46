/**
 * Conversations and messages on the wire (REST and Socket.IO), shared by the server and the browser.
 * Visitors and customers see `seq` = the public sequence (notes excluded); staff see every message's `seq`.
 */
import { z } from 'zod';
import { MAX_ATTACHMENT_IDS, type AttachmentView } from './attachments.js';
import { displayNameSchema } from './display-name.js';
import { emailSchema } from './identity.schemas.js';
import { firstMessageSchema, normalizeMessageText, ruleSchema } from './text-rules.js';

export type ConversationStatus = 'waiting' | 'active' | 'closed' | 'left';
export type MessageKind = 'text' | 'system' | 'note';
/** `bot`: an integration replying under its bot name (an API token with messages:write). */
export type AuthorType = 'visitor' | 'customer' | 'staff' | 'system' | 'bot';

export interface MessageView {
  id: string;
  conversationId: string;
  /** The viewer's sequence: public for visitors and customers, full for staff. */
  seq: number;
  kind: MessageKind;
  author: { type: AuthorType; name: string; title: string | null; isSelf: boolean };
  /**
   * Null only when the stored ciphertext could not be decrypted (then `error` says so). '' for a message made only
   * of attachments.
   */
  text: string | null;
  /** Files sent with the message (metadata; the bytes come from the attachment download endpoint). */
  attachments: AttachmentView[];
  createdAt: string;
  /** The sender's own client id, echoed to the sender only. */
  clientMsgId: string | null;
  /** Staff only: the message's number in the visitor's numbering (null for notes), to show "seen". */
  publicSeq?: number | null;
  error?: { code: string; message: string };
}

export interface ParticipantView {
  userId: string;
  name: string;
  title: string;
}

export interface ConversationView {
  id: string;
  status: ConversationStatus;
  displayName: string;
  topic: string | null;
  createdAt: string;
  lastMessageAt: string;
  /** The last sequence the viewer may see (public for visitors/customers). */
  lastSeq: number;
  agents: ParticipantView[];
  closedBy: string | null;
  closedAt: string | null;
  /** While waiting: this conversation's 1-based place in the queue. */
  queuePosition: number | null;
  /** Read positions, in the public numbering: how far the visitor/customer and the agents have read. */
  ownerReadSeq: number;
  agentsReadSeq: number;
}

export interface StaffConversationView extends ConversationView {
  lastPublicSeq: number;
  customerId: string | null;
  visitorId: string | null;
  email: string | null;
  waitingSince: string | null;
  /**
   * Set when the visitor is a widget contact: a user the host site vouched for with a signed token (docs/widget.md).
   * Anything else about a visitor (its name, its e-mail) is only what it typed.
   */
  verifiedContact?: VerifiedContactView | null;
}

export interface VerifiedContactView {
  /** The widget site's name (Admin → Widget). */
  site: string;
  /** The host site's own id for its user. */
  userId: string;
  email: string | null;
  name: string | null;
}

export interface TopicView {
  id: string;
  label: string;
}

/** Client message ids: opaque, URL-safe, up to 64 characters (a UUID is typical). */
export const clientMsgIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8–64 letters, digits, "-" or "_"');

export const startConversationSchema = z.strictObject({
  /** Visitors give a name; a signed-in customer's account name is used when this is absent. */
  displayName: displayNameSchema.optional(),
  topicId: z.string().max(64).optional(),
  text: firstMessageSchema,
  clientMsgId: clientMsgIdSchema.optional(),
  email: emailSchema.optional(),
  /** The page the start form was on (an http(s) URL; shown to staff in the contact panel). */
  pageUrl: z
    .string()
    .max(2048)
    .refine((v) => /^https?:\/\/[^\s]+$/i.test(v) && URL.canParse(v), 'must be an http(s) address')
    .optional(),
});

/**
 * A message's text when files may come with it: the same cleaning and limits as any message, except that a text
 * with nothing visible parses to '' (allowed only with attachments; see `requireTextOrAttachments`).
 */
const messageTextOrEmptySchema = ruleSchema((input) => {
  const result = normalizeMessageText(input);
  if (result.ok) return { ok: true as const, value: result.text };
  return result.code === 'message_empty' ? { ok: true as const, value: '' } : result;
});

/** Text, attachments, or both: an empty text needs at least one attachment (then it is `message_empty`). */
function requireTextOrAttachments(value: { text: string; attachmentIds?: string[] }, ctx: z.RefinementCtx): void {
  if (value.text === '' && (value.attachmentIds?.length ?? 0) === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['text'],
      message: 'Please write a message.',
      params: { code: 'message_empty' },
    });
  }
}

const attachmentIdsSchema = z.array(z.string().min(1).max(64)).max(MAX_ATTACHMENT_IDS);

const sendMessageShape = {
  clientMsgId: clientMsgIdSchema,
  text: messageTextOrEmptySchema.default(''),
  /** Files uploaded beforehand to this conversation by the same author, not yet sent. */
  attachmentIds: attachmentIdsSchema.optional(),
};
const staffSendMessageShape = {
  ...sendMessageShape,
  /** A private note: staff only, never shown to the visitor by any channel. */
  note: z.boolean().optional(),
};
const conversationIdShape = { conversationId: z.string().min(1).max(64) };

export const sendMessageSchema = z.strictObject(sendMessageShape).superRefine(requireTextOrAttachments);
export const staffSendMessageSchema = z.strictObject(staffSendMessageShape).superRefine(requireTextOrAttachments);

export const historyQuerySchema = z.strictObject({
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

/** Socket: the last sequence a client holds for a conversation; the server replays the rest. */
export const syncRequestSchema = z.strictObject({
  conversationId: z.string().min(1).max(64),
  after: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  limit: z.number().int().min(1).max(500).optional(),
});

export const socketSendSchema = z
  .strictObject({ ...sendMessageShape, ...conversationIdShape })
  .superRefine(requireTextOrAttachments);
export const staffSocketSendSchema = z
  .strictObject({ ...staffSendMessageShape, ...conversationIdShape })
  .superRefine(requireTextOrAttachments);

/** Every socket acknowledgement: success data, or the one error shape. */
export type Ack<T> =
  ({ ok: true } & T) | { ok?: undefined; error: { code: string; message: string; details?: unknown } };

export interface SyncResult {
  conversation: ConversationView;
  messages: MessageView[];
  /** More messages exist after the last one returned: ask again from its seq. */
  hasMore: boolean;
}
