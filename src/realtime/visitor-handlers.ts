/** The `/visitor` namespace: what a visitor's or customer's socket may ask, and what it joins on connect. */
import type { Namespace } from 'socket.io';
import type { AppContext } from '../core/context.js';
import type { PublicPrincipal } from '../modules/identity/principal.js';
import { socketSendSchema, syncRequestSchema } from '../shared/conversations.js';
import { typingSchema } from '../shared/desk.js';
import { publicRoom } from './rooms.js';
import type { SendOrigins } from './send-origins.js';
import { bindHandlers, readStateHandler, typingGateOf, type HandlerTable } from './socket-events.js';
import type { SocketData } from './socket-auth.js';

const conversationOnly = syncRequestSchema.pick({ conversationId: true });

function visitorHandlers(ctx: AppContext, origins: SendOrigins): HandlerTable<PublicPrincipal> {
  const svc = ctx.services.conversations;
  return {
    'conversation:sync': {
      schema: syncRequestSchema,
      async handle(req, socket, principal) {
        const result = await svc.history(principal, req.conversationId, req.after, req.limit ?? 200);
        await socket.join(publicRoom(req.conversationId));
        return result;
      },
    },
    'message:send': {
      schema: socketSendSchema,
      handle: (req, socket, principal) => origins.send(ctx, socket, principal, req),
    },
    'conversation:leave': {
      schema: conversationOnly,
      handle: async (req, _socket, principal) => ({ conversation: await svc.leave(principal, req.conversationId) }),
    },
    typing: {
      schema: typingSchema,
      async handle(req, socket, principal) {
        await typingGateOf(socket).pass(req.conversationId, req.isTyping, () =>
          ctx.services.desk.typing(principal, req.conversationId, { isTyping: req.isTyping }),
        );
        return {};
      },
    },
    'conversation:read': readStateHandler(ctx),
  };
}

export function registerVisitorHandlers(ctx: AppContext, visitors: Namespace, origins: SendOrigins): void {
  const table = visitorHandlers(ctx, origins);
  visitors.on('connection', (socket) => {
    const principal = (socket.data as SocketData).principal as PublicPrincipal;
    bindHandlers(ctx, socket, principal, table);
    // Join the rooms of this person's conversations (the client then syncs each from its last sequence), and tell
    // a waiting one its place in the queue.
    void (async () => {
      for (const c of await ctx.services.conversations.ownedConversations(principal, 100)) {
        void socket.join(publicRoom(c.id));
      }
      for (const p of await ctx.services.desk.positionsOf(principal)) socket.emit('queue:position', p);
    })().catch((err: unknown) =>
      ctx.logger.warn({ err: { message: (err as Error).message } }, 'could not join conversation rooms'),
    );
  });
}
