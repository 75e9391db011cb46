import type { Namespace } from 'socket.io';
import type { AppContext } from '../core/context.js';
import type { Principal } from '../modules/identity/principal.js';
import type { SocketData } from './socket-auth.js';

/** The presence keys of a `/visitor` socket's principal (the same identities its rooms use). */
function ownerKeys(p: Principal): string[] {
  if (p.kind === 'visitor') return [`visitor:${p.visitorId}`];
  if (p.kind === 'customer')
    return p.visitorId ? [`customer:${p.userId}`, `visitor:${p.visitorId}`] : [`customer:${p.userId}`];
  return [];
}

/**
 * Reports every authenticated socket to presence while it is connected: `/staff` sockets count their user as an
 * agent online, `/visitor` sockets mark their owner as reachable live (no e-mail needed).
 */
export function trackPresence(ctx: AppContext, visitors: Namespace, staff: Namespace): void {
  const presence = ctx.services.presence;
  staff.on('connection', (socket) => {
    const p = (socket.data as SocketData).principal;
    if (p?.kind !== 'staff') return;
    presence.staffConnected(p.userId);
    socket.once('disconnect', () => presence.staffDisconnected(p.userId));
  });
  visitors.on('connection', (socket) => {
    const p = (socket.data as SocketData).principal;
    if (!p) return;
    const keys = ownerKeys(p);
    for (const key of keys) presence.ownerConnected(key);
    socket.once('disconnect', () => {
      for (const key of keys) presence.ownerDisconnected(key);
    });
  });
}
