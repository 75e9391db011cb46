import { fastifyCookie } from '@fastify/cookie';
import type { Namespace, Socket } from 'socket.io';
import type { AppContext } from '../core/context.js';
import { SESSION_COOKIE, type Side as CookieSide } from '../core/sides.js';
import type { Side } from '../core/sides.js';
import { sessionRoom, userRoom, visitorRoom } from './rooms.js';
import type { Principal } from '../modules/identity/principal.js';
import { sidesOf } from './listener-sides.js';

export interface SocketData {
  principal: Principal;
}

function handshakeError(
  code: 'unauthenticated' | 'forbidden' | 'two_factor_enrolment_required',
  message: string,
): Error {
  return Object.assign(new Error(message), { data: { error: { code, message } } });
}

/** The session token of a handshake: `auth.token` (API clients) or the side's cookie (browsers). */
function handshakeToken(socket: Socket, side: CookieSide): string | undefined {
  const auth = socket.handshake.auth as { token?: unknown } | undefined;
  if (typeof auth?.token === 'string') return auth.token;
  const header = socket.request.headers.cookie;
  return header ? fastifyCookie.parse(header)[SESSION_COOKIE[side]] : undefined;
}

/**
 * Authenticates every connection to `nsp` with the same session verifier as HTTP. The namespace decides which
 * principal acts: `/visitor` takes visitors and customers (public cookie), `/staff` takes staff (staff cookie).
 * Each socket joins `session:<id>` and `user:<id>` / `visitor:<id>` rooms so revocation can find it.
 */
export function authenticateNamespace(ctx: AppContext, nsp: Namespace, side: Side): void {
  nsp.use((socket, next) => {
    if (!sidesOf(socket.request).includes(side)) {
      next(handshakeError('forbidden', 'This namespace is not served on this port.'));
      return;
    }
    const token = handshakeToken(socket, side);
    if (!token) {
      next(handshakeError('unauthenticated', 'Please sign in first.'));
      return;
    }
    ctx.services.sessions.verify(token).then(
      (verified) => {
        const p = verified?.principal;
        const fits = p && (side === 'staff' ? p.kind === 'staff' : p.kind !== 'staff');
        if (!p || !fits) {
          next(handshakeError('unauthenticated', 'Your session has ended. Please sign in again.'));
          return;
        }
        if (p.kind === 'staff' && ctx.services.twoFactor.mustEnrol(p)) {
          next(handshakeError('two_factor_enrolment_required', 'Set up two-factor sign-in first.'));
          return;
        }
        (socket.data as SocketData).principal = p;
        void socket.join(sessionRoom(p.sessionId));
        void socket.join(p.kind === 'visitor' ? visitorRoom(p.visitorId) : userRoom(p.userId));
        if (p.kind === 'customer' && p.visitorId) void socket.join(visitorRoom(p.visitorId));
        next();
      },
      (err: unknown) => {
        ctx.logger.warn({ err: { message: (err as Error).message } }, 'socket authentication failed');
        next(
          Object.assign(new Error('temporarily unavailable'), {
            data: { error: { code: 'service_unavailable', message: 'Please retry.' } },
          }),
        );
      },
    );
  });
}

/**
 * Ends sockets whose sessions were revoked (on any instance, via the bus), and re-checks every open socket's
 * session at least every `intervalMs` as a safety net behind the events.
 */
export function enforceSessionRevocation(ctx: AppContext, namespaces: Namespace[], intervalMs: number): () => void {
  const disconnect = (sessionIds: string[], reason: string) => {
    for (const nsp of namespaces) {
      for (const id of sessionIds) {
        const room = nsp.in(sessionRoom(id));
        room.emit('session:ended', { reason });
        room.disconnectSockets(true);
      }
    }
  };
  const unsubscribe = ctx.bus.on('sessions.revoked', ({ sessionIds, reason }) => disconnect(sessionIds, reason));

  // Per instance (these sockets are this instance's), on the jobs runner like every periodic task.
  ctx.jobs.every({
    name: 'sockets.revalidate',
    everyMs: intervalMs,
    lease: false,
    run: () =>
      revalidate().catch((err: unknown) =>
        ctx.logger.warn({ err: { message: (err as Error).message } }, 'socket re-validation failed'),
      ),
  });

  async function revalidate(): Promise<void> {
    const bySession = new Map<string, Socket[]>();
    for (const nsp of namespaces) {
      for (const socket of nsp.sockets.values()) {
        const id = (socket.data as SocketData).principal?.sessionId;
        if (!id) continue;
        const list = bySession.get(id) ?? [];
        list.push(socket);
        bySession.set(id, list);
      }
    }
    const ids = [...bySession.keys()];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const live = await ctx.services.sessions.liveSessionIds(chunk);
      for (const id of chunk) {
        if (live.has(id)) continue;
        for (const socket of bySession.get(id) ?? []) {
          socket.emit('session:ended', { reason: 'expired' });
          socket.disconnect(true);
        }
      }
    }
  }

  // The runner's task stops with the runner (the app stops it before the database closes).
  return unsubscribe;
}
