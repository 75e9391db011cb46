/**
 * Domain events → Socket.IO frames, for this instance's sockets (every instance receives every event and does its
 * own). The one place that decides who receives what: notes and their typing never reach the public side, each frame
 * is encoded once per audience, and the socket a message was sent from gets it in its acknowledgement instead.
 */
import type { Namespace } from 'socket.io';
import type { AppContext } from '../core/context.js';
import type { MessageCreatedPayload } from '../events/domain-events.js';
import { presentMessage } from '../modules/conversations/conversation.presenter.js';
import { emitQueue, pushQueueOnTeamChanges } from './queue-push.js';
import { publicRoom, staffRoom, userRoom, visitorRoom } from './rooms.js';
import type { SendOrigins } from './send-origins.js';

/** The queue and the visitors' positions change together: bursts are pushed once per this interval. */
const QUEUE_PUSH_MS = 100;

export function startFanOut(ctx: AppContext, visitors: Namespace, staff: Namespace, origins: SendOrigins): () => void {
  const svc = ctx.services.conversations;

  const onMessage = async (m: MessageCreatedPayload) => {
    // Read before any await: the send that stored it resumes (and forgets its socket) right after this event.
    const origin = origins.originOf(m);
    const text = await svc.textOfEvent(m.conversationId, m.id, () => Buffer.from(m.body, 'base64'));
    // Metadata only: names are decrypted here once per instance; the bytes are fetched from the download endpoint.
    const files = m.attachments?.length
      ? await ctx.services.attachments.viewsFromEvent(m.conversationId, m.attachments)
      : [];
    // Staff: one broadcast to everyone following the conversation but the author's own sockets, which get `isSelf`.
    const room = staffRoom(m.conversationId);
    let toStaff = origin ? staff.to(room).except(origin) : staff.to(room);
    if (m.authorType === 'staff' && m.authorId !== null) {
      const authorRoom = userRoom(m.authorId);
      toStaff = toStaff.except(authorRoom);
      const members = staff.adapter.rooms.get(room);
      const own = [...(staff.adapter.rooms.get(authorRoom) ?? [])].filter((id) => id !== origin && members?.has(id));
      if (own.length > 0) staff.to(own).emit('message:new', { message: presentMessage(m, text, 'staff', true, files) });
    }
    toStaff.emit('message:new', { message: presentMessage(m, text, 'staff', false, files) });
    // Visitors never receive a note: not the frame, not its existence (their numbering skips nothing).
    if (m.kind === 'note' || m.publicSeq === null) return;
    // In the public room only the owner reads, and the owner wrote every visitor/customer message.
    const ownMessage = m.authorType === 'customer' || m.authorType === 'visitor';
    const publicRoomOf = visitors.to(publicRoom(m.conversationId));
    (origin ? publicRoomOf.except(origin) : publicRoomOf).emit('message:new', {
      message: presentMessage(m, text, 'public', ownMessage, files),
    });
  };

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
    }, QUEUE_PUSH_MS);
  };

  const offs = [
    ctx.bus.on('message.created', (m) =>
      onMessage(m).catch((err: unknown) =>
        ctx.logger.error({ err, conversationId: m.conversationId }, 'message frame failed'),
      ),
    ),
    ctx.bus.on('typing.changed', (t) => {
      const frame = { conversationId: t.conversationId, who: t.who, isTyping: t.isTyping, note: t.note };
      staff.to(staffRoom(t.conversationId)).emit('typing', frame);
      // A visitor sees agents typing replies, never a note being typed, and never their own typing.
      if (t.who.type === 'staff' && !t.note) visitors.to(publicRoom(t.conversationId)).emit('typing', frame);
    }),
    ctx.bus.on('conversation.read', (r) => {
      visitors.to(publicRoom(r.conversationId)).emit('conversation:read', {
        conversationId: r.conversationId,
        ownerReadSeq: r.ownerReadSeq,
        agentsReadSeq: r.agentsReadSeq,
      });
      staff.to(staffRoom(r.conversationId)).emit('conversation:read', r);
    }),
    ctx.bus.on('conversation.changed', async (change) => {
      pushQueue();
      const id = change.conversationId;
      if (change.change === 'created' || change.change === 'attached') {
        if (change.visitorId) visitors.in(visitorRoom(change.visitorId)).socketsJoin(publicRoom(id));
        if (change.customerId) visitors.in(userRoom(change.customerId)).socketsJoin(publicRoom(id));
      }
      if (change.agentId) staff.in(userRoom(change.agentId)).socketsJoin(staffRoom(id));
      if (change.change === 'erased') {
        visitors.to(publicRoom(id)).emit('conversation:erased', { conversationId: id });
        staff.to(staffRoom(id)).emit('conversation:erased', { conversationId: id });
        visitors.in(publicRoom(id)).socketsLeave(publicRoom(id));
        return;
      }
      const views = await svc.currentViews(id);
      if (!views) return;
      visitors.to(publicRoom(id)).emit('conversation:updated', { conversation: views.public, change: change.change });
      staff.to(staffRoom(id)).emit('conversation:updated', { conversation: views.staff, change: change.change });
    }),
    // After a Redis outage, events from other instances may have been lost: clients resync from their sequences.
    ctx.bus.onResync(() => {
      visitors.emit('resync', {});
      staff.emit('resync', {});
    }),
    pushQueueOnTeamChanges(ctx, staff),
  ];

  return () => {
    for (const off of offs) off();
    if (queueTimer) clearTimeout(queueTimer);
  };
}
