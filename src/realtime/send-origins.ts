import type { Socket } from 'socket.io';
import type { AppContext } from '../core/context.js';
import type { PublicPrincipal, StaffPrincipal } from '../modules/identity/principal.js';

export type SendInput = {
  conversationId: string;
  clientMsgId: string;
  text: string;
  note?: boolean;
  attachmentIds?: string[];
};

/**
 * Which socket is sending a message right now, by (conversation, author, client id): that socket gets the message in
 * its acknowledgement, so the fan-out skips it (the author's other sockets still get the frame).
 */
export class SendOrigins {
  private readonly sending = new Map<string, string>();

  private static key(conversationId: string, authorId: string | null, clientMsgId: string | null): string {
    return `${conversationId}\u0000${authorId ?? ''}\u0000${clientMsgId ?? ''}`;
  }

  /** Sends through the service (the same path as HTTP), remembering the socket while it is in flight. */
  async send(ctx: AppContext, socket: Socket, principal: PublicPrincipal | StaffPrincipal, input: SendInput) {
    const authorId = principal.kind === 'visitor' ? principal.visitorId : principal.userId;
    const key = SendOrigins.key(input.conversationId, authorId, input.clientMsgId);
    this.sending.set(key, socket.id);
    try {
      return await ctx.services.conversations.send(principal, input.conversationId, input);
    } finally {
      if (this.sending.get(key) === socket.id) this.sending.delete(key);
    }
  }

  /** The sending socket of a message, read when its event arrives (before the send resumes and forgets it). */
  originOf(m: { conversationId: string; authorId: string | null; clientMsgId: string | null }): string | undefined {
    return this.sending.get(SendOrigins.key(m.conversationId, m.authorId, m.clientMsgId));
  }
}
