/** The agent desk on the wire: the live queue, counters and conversation lists. */
import { z } from 'zod';

export interface QueueItem {
  id: string;
  displayName: string;
  topic: string | null;
  waitingSince: string;
  /** The first words of the first message (decrypted for staff only). */
  firstWords: string;
  isCustomer: boolean;
  /** The team whose queue it waits in (routed by its topic, or transferred); null: the general queue. */
  team: { id: string; name: string } | null;
}

export interface DeskCounters {
  waiting: number;
  active: number;
  mine: number;
}

export interface DeskConversationItem {
  id: string;
  displayName: string;
  topic: string | null;
  status: 'waiting' | 'active' | 'closed' | 'left';
  lastMessageAt: string;
  agents: { userId: string; name: string }[];
  /** Messages after this agent's read position (only for conversations the agent has joined). */
  unread: number;
}

/** Pushed to every staff socket whenever the queue changes. */
export interface QueueSnapshot {
  queue: QueueItem[];
  counters: Omit<DeskCounters, 'mine'>;
}

export const readSchema = z.strictObject({
  conversationId: z.string().min(1).max(64),
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

export const typingSchema = z.strictObject({
  conversationId: z.string().min(1).max(64),
  isTyping: z.boolean(),
});

export const staffTypingSchema = typingSchema.extend({
  /** Typing a private note: shown to staff only, never to the visitor. */
  note: z.boolean().optional(),
});

/** Who is typing, as the other side sees it. */
export interface TypingFrame {
  conversationId: string;
  who: { type: 'visitor' | 'customer' | 'staff'; id: string; name: string };
  isTyping: boolean;
  note: boolean;
}
