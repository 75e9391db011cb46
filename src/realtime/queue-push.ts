import type { Namespace, Socket } from 'socket.io';
import type { AppContext } from '../core/context.js';
import type { StaffPrincipal } from '../modules/identity/principal.js';
import { visibleQueue } from '../modules/routing/team.service.js';
import type { QueueSnapshot } from '../shared/desk.js';
import type { SocketData } from './socket-auth.js';

/**
 * Sends `queue:updated` to this instance's staff sockets (or to one), each with the queues its staff member sees
 * (team.service.ts `visibleQueue`): sockets that see the same queues share one encoded frame. One membership query
 * per push, whatever the number of desks.
 */
export async function emitQueue(
  ctx: AppContext,
  staff: Namespace,
  snapshot: QueueSnapshot,
  only?: Socket,
): Promise<void> {
  const sockets = only ? [only] : [...staff.sockets.values()];
  const principals = sockets
    .map((s) => (s.data as SocketData).principal)
    .filter((p): p is StaffPrincipal => p?.kind === 'staff');
  const visibilities = await ctx.services.teams.visibilities(principals);
  const groups = new Map<string, { ids: string[]; frame: QueueSnapshot }>();
  for (const socket of sockets) {
    const p = (socket.data as SocketData).principal;
    if (p?.kind !== 'staff') continue;
    const v = visibilities.get(p.userId)!;
    const key = v.all ? '*' : [...v.teamIds].sort().join(',');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ids: [], frame: visibleQueue(snapshot, v) }));
    group.ids.push(socket.id);
  }
  for (const { ids, frame } of groups.values()) staff.to(ids).emit('queue:updated', frame);
}

/** Team changes (members, deletion) change who sees which queue: every desk gets its queue again. */
export function pushQueueOnTeamChanges(ctx: AppContext, staff: Namespace): () => void {
  return ctx.bus.on('teams.changed', () => {
    void ctx.services.desk
      .queueSnapshot()
      .then((snapshot) => emitQueue(ctx, staff, snapshot))
      .catch((err: unknown) => ctx.logger.warn({ err: { message: (err as Error).message } }, 'queue push failed'));
  });
}
