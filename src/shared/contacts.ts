/**
 * The desk's contact panel on the wire: who a conversation is with, where it started, their past conversations and
 * the staff's notes about them. Staff only.
 */
import { z } from 'zod';
import type { ConversationStatus } from './conversations.js';
import { messageTextSchema } from './text-rules.js';

export type ContactKind = 'visitor' | 'customer';

export interface ContactView {
  /** `visitor:<id>` or `customer:<id>`: the id of the contact's notes and history. */
  key: string;
  kind: ContactKind;
  name: string;
  email: string | null;
  /** A customer's e-mail address was confirmed through a link sent to it. Visitors: false. */
  emailVerified: boolean;
  /**
   * Vouched for by a site that embeds the chat: the host signed this visitor's identity (docs/widget.md). Name and
   * e-mail are then the ones the host signed. Customers and other visitors: false.
   */
  identityVerified: boolean;
  /** The name of the widget site that vouched for it, when `identityVerified`. */
  verifiedBy: string | null;
  /** The earliest of the account's (or visitor session's) creation and its first conversation. */
  firstSeen: string;
  conversations: number;
}

/** Where a conversation started: the start form's page and the browser (parsed from the user agent; no IP). */
export interface ConversationOriginView {
  pageUrl: string | null;
  browser: string | null;
  os: string | null;
  device: string | null;
}

export interface ContactPanelView {
  conversationId: string;
  contact: ContactView;
  origin: ConversationOriginView | null;
  /** The team whose queue it is routed to, and the agent it was last handed to (routing). */
  team: { id: string; name: string } | null;
  assignedTo: { userId: string; name: string } | null;
}

export interface ContactConversationItem {
  id: string;
  status: ConversationStatus;
  topic: string | null;
  createdAt: string;
  closedAt: string | null;
  /** The first words of the question it started with (decrypted for staff). */
  firstQuestion: string | null;
  agents: string[];
}

export interface ContactNoteView {
  id: string;
  /** Null only when the stored note cannot be decrypted. */
  text: string | null;
  author: { id: string | null; name: string };
  createdAt: string;
  updatedAt: string;
  /** The author and admins may edit or delete it. */
  canEdit: boolean;
}

export const contactKeySchema = z
  .string()
  .max(80)
  .regex(/^(visitor|customer):[A-Za-z0-9-]{1,64}$/, 'must be visitor:<id> or customer:<id>');

export const contactNoteInputSchema = z.strictObject({ text: messageTextSchema });

/** Past conversations, newest first, a page at a time: `cursor` is the previous page's `nextCursor`. */
export const contactConversationsQuerySchema = z.strictObject({
  cursor: z
    .string()
    .max(120)
    .regex(/^\d{1,16}:[A-Za-z0-9-]{1,64}$/, 'is not a cursor from a previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(50).default(10),
});

export const contactNotesQuerySchema = z.strictObject({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
