import type { Namespace, Socket } from 'socket.io';
import type { ZodType } from 'zod';
import type { AppContext } from '../core/context.js';
import type { MessageCreatedPayload } from '../events/domain-events.js';
import { toAppError } from '../http/error-handler.js';
import type { PublicPrincipal, StaffPrincipal } from '../modules/identity/principal.js';
import { presentMessage } from '../modules/conversations/conversation.presenter.js';
import {
  findConversation,
  listOwnedConversations,
  openConversationsOfAgent,
  queuePositionOf,
} from '../modules/conversations/conversation.repository.js';
import { countByStatus } from '../modules/desk/desk.repository.js';
import { socketSendSchema, staffSocketSendSchema, syncRequestSchema } from '../shared/conversations.js';
import { readSchema, staffTypingSchema, typingSchema } from '../shared/desk.js';
import { domainEvent } from '../events/domain-events.js';
import { AppError } from '../shared/errors.js';
import { zodFieldProblems } from '../shared/validation.js';
import type { SocketData } from './socket-auth.js';
import { countRefusal } from './flood-guard.js';
import { emitQueue, pushQueueOnTeamChanges } from './queue-push.js';

export const publicRoom = (conversationId: string) => `conv:${conversationId}:public`;
const authorIdOf = (p: PublicPrincipal | StaffPrincipal) =>
  p.kind === 'staff' || p.kind === 'customer' ? p.userId : p.visitorId;
export const staffRoom = (conversationId: string) => `conv:${conversationId}:staff`;

type Ack = (response: unknown) => void;
type Handler = (payload: unknown) => Promise<unknown>;

/**
 * Registers an event with validation, the one error shape in the ack, and an `app:error` event for failures the
 * client should notice even without an ack (rate limits).
 */
function on(ctx: AppContext, socket: Socket, event: string, handler: Handler): void {
  socket.on(event, (payload: unknown, ack?: unknown) => {
    const reply: Ack = typeof ack === 'function' ? (ack as Ack) : () => undefined;
    handler(payload).then(
      (result) => reply({ ok: true, ...(result as object) }),
      (err: unknown) => {
        const appError = toAppError(err, ctx.logger, { event, socket: socket.id });
        if (appError.code === 'rate_limited') socket.emit('app:error', { event, ...appError.toBody().error });
        reply(appError.toBody());
        if (appError.code === 'rate_limited') countRefusal(ctx, socket, event);
      },
    );
  });
}

function parse<T>(schema: ZodType<T>, payload: unknown): T {
  const result = schema.safeParse(payload);
  if (!result.success) throw new AppError('validation_failed', undefined, { fields: zodFieldProblems(result.error) });
  return result.data;
}

const KNOWN_PUBLIC = new Set([
  'message:send',
  'conversation:sync',
  'conversation:leave',
  'typing',
  'conversation:read',
]);
const KNOWN_STAFF = new Set([
  'message:send',
  'conversation:sync',
  'conversation:subscribe',
  'conversation:unsubscribe',
  'conversation:join',
  'conversation:leave',
  'conversation:close',
  'typing',
  'conversation:read',
]);

/** Typing frames from one socket about one conversation: at most one "is typing" per interval (stops always pass). */
const TYPING_INTERVAL_MS = 1_500;

function typingGate(): (conversationId: string, isTyping: boolean) => boolean {
  const last = new Map<string, number>();
  return (conversationId, isTyping) => {
    if (!isTyping) {
      last.delete(conversationId);
      return true;
    }
    const now = Date.now();
    if (now - (last.get(conversationId) ?? 0) < TYPING_INTERVAL_MS) return false;
    last.set(conversationId, now);
    return true;
  };
}

function reportUnknownEvents(socket: Socket, known: Set<string>): void {
  socket.onAny((event: string) => {
    if (!known.has(event))
      socket.emit('app:error', {
        event,
        code: 'unknown_event',
        message: `Unknown event "${String(event).slice(0, 64)}"`,
      });
  });
}

/**
 * Conversations over Socket.IO. Sends go through the same service as HTTP; frames are only translations of
 * committed domain events, delivered to this instance's sockets (every instance receives every event).
 */
export function registerConversationChannel(ctx: AppContext, visitors: Namespace, staff: Namespace): () => void {
  const svc = ctx.services.conversations;

  /**
   * Sockets that are sending a message right now, by (conversation, author, client id): that socket has the
   * message in its acknowledgement, so the fan-out skips it (its other tabs still get the frame).
   */
  const sending = new Map<string, string>();
  const sendKey = (conversationId: string, authorId: string | null, clientMsgId: string | null) =>
    `${conversationId}\u0000${authorId ?? ''}\u0000${clientMsgId ?? ''}`;
  const sendFrom = async (
    socket: Socket,
    principal: PublicPrincipal | StaffPrincipal,
    send: { conversationId: string; clientMsgId: string; text: string; note?: boolean; attachmentIds?: string[] },
  ) => {
    const key = sendKey(send.conversationId, authorIdOf(principal), send.clientMsgId);
    sending.set(key, socket.id);
    try {
      return await svc.send(principal, send.conversationId, send);
    } finally {
      if (sending.get(key) === socket.id) sending.delete(key);
    }
  };

  /** Moves the reader's position forward and, when it moved, announces both sides' positions everywhere. */
  const markRead = async (principal: PublicPrincipal | StaffPrincipal, payload: unknown) => {
    const req = parse(readSchema, payload);
    const r = await ctx.services.desk.markRead(principal, req.conversationId, req.seq);
    if (r.changed) {
      const staffReader = principal.kind === 'staff' ? { userId: principal.userId, seq: req.seq } : null;
      ctx.bus.publish(
        domainEvent('conversation.read', {
          conversationId: req.conversationId,
          ownerReadSeq: r.ownerReadSeq,
          agentsReadSeq: r.agentsReadSeq,
          staffReader,
        }),
      );
    }
    return { ownerReadSeq: r.ownerReadSeq, agentsReadSeq: r.agentsReadSeq };
  };

  visitors.on('connection', (socket) => {
    const principal = (socket.data as SocketData).principal as PublicPrincipal;
    reportUnknownEvents(socket, KNOWN_PUBLIC);
    // Join the rooms of this person's conversations; the client then syncs each from its last sequence.
    const owner = principal.kind === 'customer' ? { customerId: principal.userId } : { visitorId: principal.visitorId };
    void listOwnedConversations(ctx.db, owner, 100).then(
      (rows) => {
        for (const row of rows) void socket.join(publicRoom(row.id));
      },
      (err: unknown) =>
        ctx.logger.warn({ err: { message: (err as Error).message } }, 'could not join conversation rooms'),
    );

    on(ctx, socket, 'conversation:sync', async (payload) => {
      const req = parse(syncRequestSchema, payload);
      const result = await svc.history(principal, req.conversationId, req.after, req.limit ?? 200);
      await socket.join(publicRoom(req.conversationId));
      return result;
    });
    on(ctx, socket, 'message:send', async (payload) => {
      const req = parse(socketSendSchema, payload);
      return sendFrom(socket, principal, {
        conversationId: req.conversationId,
        clientMsgId: req.clientMsgId,
        text: req.text,
        attachmentIds: req.attachmentIds,
      });
    });
    on(ctx, socket, 'conversation:leave', async (payload) => {
      const req = parse(syncRequestSchema.pick({ conversationId: true }), payload);
      return { conversation: await svc.leave(principal, req.conversationId) };
    });
    const gate = typingGate();
    // Conversation → the name its owner goes by there (checked once per conversation): the desk says who types.
    const readable = new Map<string, string>();
    on(ctx, socket, 'typing', async (payload) => {
      const req = parse(typingSchema, payload);
      if (!gate(req.conversationId, req.isTyping)) return {};
      let name = readable.get(req.conversationId);
      if (name === undefined) {
        name = (await svc.requireReadable(principal, req.conversationId)).displayName;
        readable.set(req.conversationId, name);
      }
      const who = {
        type: principal.kind,
        id: principal.kind === 'customer' ? principal.userId : principal.visitorId,
        name,
      };
      ctx.bus.publish(
        domainEvent('typing.changed', { conversationId: req.conversationId, who, isTyping: req.isTyping, note: false }),
      );
      return {};
    });
    on(ctx, socket, 'conversation:read', (payload) => markRead(principal, payload));
    void emitPosition(socket);
  });

  /** A waiting visitor learns its queue position as soon as it connects. */
  async function emitPosition(socket: Socket): Promise<void> {
    const principal = (socket.data as SocketData).principal as PublicPrincipal;
    const owner = principal.kind === 'customer' ? { customerId: principal.userId } : { visitorId: principal.visitorId };
    const waiting = (await listOwnedConversations(ctx.db, owner, 10)).filter((c) => c.status === 'waiting');
    if (waiting.length === 0) return;
    // Counted in the database for this visitor's conversations only: a reconnect storm of N waiting visitors
    // must not load the whole queue N times.
    const { waiting: total } = await countByStatus(ctx.db);
    for (const c of waiting) {
      const position = await queuePositionOf(ctx.db, c);
      socket.emit('queue:position', { conversationId: c.id, position, waiting: Math.max(total, position) });
    }
  }

  staff.on('connection', (socket) => {
    const principal = (socket.data as SocketData).principal as StaffPrincipal;
    reportUnknownEvents(socket, KNOWN_STAFF);
    void socket.join('staff');
    // An agent's desk follows every open conversation they are in (unread counts, sounds), not just open tabs.
    void openConversationsOfAgent(ctx.db, principal.userId).then(
      (rows) => {
        for (const row of rows) void socket.join(staffRoom(row.id));
      },
      (err: unknown) => ctx.logger.warn({ err: { message: (err as Error).message } }, 'could not join agent rooms'),
    );
    const conversationOnly = syncRequestSchema.pick({ conversationId: true });

    on(ctx, socket, 'conversation:subscribe', async (payload) => {
      const { conversationId } = parse(conversationOnly, payload);
      const conversation = await svc.getStaffView(principal, conversationId);
      await socket.join(staffRoom(conversationId));
      return { conversation };
    });
    on(ctx, socket, 'conversation:unsubscribe', async (payload) => {
      const { conversationId } = parse(conversationOnly, payload);
      await socket.leave(staffRoom(conversationId));
      return {};
    });
    on(ctx, socket, 'conversation:sync', async (payload) => {
      const req = parse(syncRequestSchema, payload);
      const result = await svc.history(principal, req.conversationId, req.after, req.limit ?? 200);
      await socket.join(staffRoom(req.conversationId));
      return result;
    });
    on(ctx, socket, 'message:send', async (payload) => {
      const req = parse(staffSocketSendSchema, payload);
      return sendFrom(socket, principal, {
        conversationId: req.conversationId,
        clientMsgId: req.clientMsgId,
        text: req.text,
        note: req.note,
        attachmentIds: req.attachmentIds,
      });
    });
    on(ctx, socket, 'conversation:join', async (payload) => {
      const { conversationId } = parse(conversationOnly, payload);
      const conversation = await svc.join(principal, conversationId);
      // Joining also subscribes this socket to the conversation's frames.
      await socket.join(staffRoom(conversationId));
      return { conversation };
    });
    on(ctx, socket, 'conversation:leave', async (payload) => ({
      conversation: await svc.leaveAsAgent(principal, parse(conversationOnly, payload).conversationId),
    }));
    on(ctx, socket, 'conversation:close', async (payload) => ({
      conversation: await svc.close(principal, parse(conversationOnly, payload).conversationId),
    }));
    const gate = typingGate();
    on(ctx, socket, 'typing', async (payload) => {
      const req = parse(staffTypingSchema, payload);
      if (!gate(req.conversationId, req.isTyping)) return {};
      const who = { type: 'staff' as const, id: principal.userId, name: principal.displayName };
      ctx.bus.publish(
        domainEvent('typing.changed', {
          conversationId: req.conversationId,
          who,
          isTyping: req.isTyping,
          note: req.note === true,
        }),
      );
      return {};
    });
    on(ctx, socket, 'conversation:read', (payload) => markRead(principal, payload));
    // The queue, straight away (and again on every change): the queues this staff member sees.
    void ctx.services.desk
      .queueSnapshot()
      .then((snapshot) => emitQueue(ctx, staff, snapshot, socket))
      .catch((err: unknown) => ctx.logger.warn({ err: { message: (err as Error).message } }, 'queue snapshot failed'));
  });

  const onMessage = async (m: MessageCreatedPayload) => {
    // Read before any await: the send that stored it resumes (and forgets its socket) right after this event.
    const origin = sending.get(sendKey(m.conversationId, m.authorId, m.clientMsgId));
    const text = await svc.textOfEvent(m.conversationId, m.id, () => Buffer.from(m.body, 'base64'));
    // Metadata only: names are decrypted here once per instance; the bytes are fetched from the download endpoint.
    const files = m.attachments?.length
      ? await ctx.services.attachments.viewsFromEvent(m.conversationId, m.attachments)
      : [];
    // Staff: one broadcast (encoded once) to everyone in the conversation's room but the author's own sockets,
    // which get `isSelf` frames. Local sockets only: other instances do their own.
    const room = staffRoom(m.conversationId);
    let toStaff = origin ? staff.to(room).except(origin) : staff.to(room);
    if (m.authorType === 'staff' && m.authorId !== null) {
      const authorRoom = `user:${m.authorId}`;
      toStaff = toStaff.except(authorRoom);
      const members = staff.adapter.rooms.get(room);
      const own = [...(staff.adapter.rooms.get(authorRoom) ?? [])].filter((id) => id !== origin && members?.has(id));
      if (own.length > 0) {
        staff.to(own).emit('message:new', { message: presentMessage(m, text, 'staff', true, files) });
      }
    }
    toStaff.emit('message:new', { message: presentMessage(m, text, 'staff', false, files) });
    // Visitors never receive a note: not the frame, not its existence (their numbering skips nothing).
    if (m.kind === 'note' || m.publicSeq === null) return;
    // In the public room only the owner reads, and the owner wrote every visitor/customer message.
    const ownMessage = m.authorType === 'customer' || m.authorType === 'visitor';
    const toVisitors = origin
      ? visitors.to(publicRoom(m.conversationId)).except(origin)
      : visitors.to(publicRoom(m.conversationId));
    toVisitors.emit('message:new', { message: presentMessage(m, text, 'public', ownMessage, files) });
  };

  const offMessage = ctx.bus.on('message.created', (m) =>
    onMessage(m).catch((err: unknown) =>
      ctx.logger.error({ err, conversationId: m.conversationId }, 'message frame failed'),
    ),
  );

  // The queue and the visitors' positions change together; coalesce bursts into one push per instance.
  let queueTimer: NodeJS.Timeout | undefined;
  const pushQueue = () => {
    queueTimer ??= setTimeout(() => {
      queueTimer = undefined;
      void (async () => {
        const [snapshot, positions] = await Promise.all([
          ctx.services.desk.queueSnapshot(),
          ctx.services.desk.queuePositions(),
        ]);
        await emitQueue(ctx, staff, snapshot);
        for (const [conversationId, position] of positions) {
          visitors
            .to(publicRoom(conversationId))
            .emit('queue:position', { conversationId, position, waiting: positions.size });
        }
      })().catch((err: unknown) => ctx.logger.warn({ err: { message: (err as Error).message } }, 'queue push failed'));
    }, 100);
  };

  const offTyping = ctx.bus.on('typing.changed', (t) => {
    const frame = { conversationId: t.conversationId, who: t.who, isTyping: t.isTyping, note: t.note };
    staff.to(staffRoom(t.conversationId)).emit('typing', frame);
    // A visitor sees agents typing replies, never a note being typed, and never their own typing.
    if (t.who.type === 'staff' && !t.note) visitors.to(publicRoom(t.conversationId)).emit('typing', frame);
  });

  const offRead = ctx.bus.on('conversation.read', (r) => {
    visitors.to(publicRoom(r.conversationId)).emit('conversation:read', {
      conversationId: r.conversationId,
      ownerReadSeq: r.ownerReadSeq,
      agentsReadSeq: r.agentsReadSeq,
    });
    staff.to(staffRoom(r.conversationId)).emit('conversation:read', r);
  });

  const offChange = ctx.bus.on('conversation.changed', async (change) => {
    pushQueue();
    const owners = [
      change.visitorId ? `visitor:${change.visitorId}` : null,
      change.customerId ? `user:${change.customerId}` : null,
    ].filter((r): r is string => r !== null);
    if (change.change === 'created' || change.change === 'attached') {
      for (const room of owners) visitors.in(room).socketsJoin(publicRoom(change.conversationId));
    }
    if (change.agentId) staff.in(`user:${change.agentId}`).socketsJoin(staffRoom(change.conversationId));
    if (change.change === 'erased') {
      visitors
        .to(publicRoom(change.conversationId))
        .emit('conversation:erased', { conversationId: change.conversationId });
      staff.to(staffRoom(change.conversationId)).emit('conversation:erased', { conversationId: change.conversationId });
      visitors.in(publicRoom(change.conversationId)).socketsLeave(publicRoom(change.conversationId));
      return;
    }
    const row = await findConversation(ctx.db, change.conversationId);
    if (!row) return;
    visitors
      .to(publicRoom(row.id))
      .emit('conversation:updated', { conversation: await svc.viewOf(row, 'public'), change: change.change });
    staff
      .to(staffRoom(row.id))
      .emit('conversation:updated', { conversation: await svc.viewOf(row, 'staff'), change: change.change });
  });

  // After a Redis outage, events from other instances may have been lost: clients resync from their sequences.
  const offResync = ctx.bus.onResync(() => {
    visitors.emit('resync', {});
    staff.emit('resync', {});
  });

  const offTeams = pushQueueOnTeamChanges(ctx, staff);

  return () => {
    offTeams();
    offMessage();
    offChange();
    offResync();
    offTyping();
    offRead();
    if (queueTimer) clearTimeout(queueTimer);
  };
}
