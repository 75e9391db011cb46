/**
 * Frames of the desk's tools (labels, snooze, satisfaction ratings): translations of committed domain events for
 * this instance's staff sockets. Staff only — a visitor never learns that a conversation is labelled or snoozed.
 * Every instance receives every event (the bus) and emits to its own sockets.
 */
import type { Namespace } from 'socket.io';
import type { AppContext } from '../core/context.js';
import { staffRoom } from './rooms.js';

export function registerDeskToolFrames(ctx: AppContext, staff: Namespace): () => void {
  const offs = [
    ctx.bus.on('conversation.labelled', ({ conversationId, labels }) => {
      staff.to(staffRoom(conversationId)).emit('conversation:labels', { conversationId, labels });
    }),
    ctx.bus.on('labels.changed', ({ labelId, change }) => {
      // Every desk reloads the list (pickers) and the labels of the conversations it shows.
      staff.to('staff').emit('labels:updated', { labelId, change });
    }),
    ctx.bus.on('conversation.snoozed', ({ conversationId, snooze, reason }) => {
      staff.to(staffRoom(conversationId)).emit('conversation:snooze', { conversationId, snooze, reason });
    }),
    ctx.bus.on('csat.submitted', async ({ conversationId }) => {
      try {
        const csat = await ctx.services.csat.viewOf(conversationId);
        staff.to(staffRoom(conversationId)).emit('conversation:csat', { conversationId, csat });
      } catch (err) {
        ctx.logger.warn({ err: { message: (err as Error).message }, conversationId }, 'csat frame failed');
      }
    }),
  ];
  return () => offs.forEach((off) => off());
}
