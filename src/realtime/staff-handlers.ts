/** The `/staff` namespace: what an agent's or admin's socket may ask, and what it joins on connect. */
import type { Namespace } from 'socket.io';
import type { AppContext } from '../core/context.js';
import type { StaffPrincipal } from '../modules/identity/principal.js';
import { staffSocketSendSchema, syncRequestSchema } from '../shared/conversations.js';
import { staffTypingSchema } from '../shared/desk.js';
import { emitQueue } from './queue-push.js';
import { ALL_STAFF, staffRoom } from './rooms.js';
import type { SendOrigins } from './send-origins.js';
import { bindHandlers, readStateHandler, typingGateOf, type HandlerTable } from './socket-events.js';
import type { SocketData } from './socket-auth.js';

const conversationOnly = syncRequestSchema.pick({ conversationId: true });

function staffHandlers(ctx: AppContext, origins: SendOrigins): HandlerTable<StaffPrincipal> {
  const svc = ctx.services.conversations;
  return {
    'conversation:subscribe': {
      schema: conversationOnly,
      async handle(req, socket, principal) {
        const conversation = await svc.getStaffView(principal, req.conversationId);
        await socket.join(staffRoom(req.conversationId));
        return { conversation };
      },
    },
    'conversation:unsubscribe': {
      schema: conversationOnly,
      async handle(req, socket) {
        await socket.leave(staffRoom(req.conversationId));
        return {};
      },
    },
    'conversation:sync': {
      schema: syncRequestSchema,
      async handle(req, socket, principal) {
        const result = await svc.history(principal, req.conversationId, req.after, req.limit ?? 200);
        await socket.join(staffRoom(req.conversationId));
        return result;
      },
    },
    'message:send': {
      schema: staffSocketSendSchema,
      handle: (req, socket, principal) => origins.send(ctx, socket, principal, req),
    },
    'conversation:join': {
      schema: conversationOnly,
      async handle(req, socket, principal) {
        const conversation = await svc.join(principal, req.conversationId);
        // Joining also subscribes this socket to the conversation's frames.
        await socket.join(staffRoom(req.conversationId));
        return { conversation };
      },
    },
    'conversation:leave': {
      schema: conversationOnly,
      handle: async (req, _socket, principal) => ({
        conversation: await svc.leaveAsAgent(principal, req.conversationId),
      }),
    },
    'conversation:close': {
      schema: conversationOnly,
      handle: async (req, _socket, principal) => ({ conversation: await svc.close(principal, req.conversationId) }),
    },
    typing: {
      schema: staffTypingSchema,
      async handle(req, socket, principal) {
        await typingGateOf(socket).pass(req.conversationId, req.isTyping, () =>
          ctx.services.desk.typing(principal, req.conversationId, { isTyping: req.isTyping, note: req.note }),
        );
        return {};
      },
    },
    'conversation:read': readStateHandler(ctx),
  };
}

export function registerStaffHandlers(ctx: AppContext, staff: Namespace, origins: SendOrigins): void {
  const table = staffHandlers(ctx, origins);
  staff.on('connection', (socket) => {
    const principal = (socket.data as SocketData).principal as StaffPrincipal;
    bindHandlers(ctx, socket, principal, table);
    void socket.join(ALL_STAFF);
    // An agent's desk follows every open conversation they are in (unread counts, sounds), not just open tabs; and
    // gets the queue straight away (and again on every change).
    void (async () => {
      for (const id of await ctx.services.conversations.openConversationIdsOf(principal)) {
        void socket.join(staffRoom(id));
      }
      // The queues this staff member sees (routing: team members see their teams' queues first).
      await emitQueue(ctx, staff, await ctx.services.desk.queueSnapshot(), socket);
    })().catch((err: unknown) =>
      ctx.logger.warn({ err: { message: (err as Error).message } }, 'could not join agent rooms'),
    );
  });
}
