/**
 * Sockets that keep sending after being rate-limited. A refused send costs the server a validation, a limiter
 * round trip (Redis with several instances) and two frames back; a client that ignores `rate_limited` and keeps
 * going would be refused message by message forever. After `SOCKET_FLOOD_REFUSALS` refusals within
 * `SOCKET_FLOOD_WINDOW_SECONDS`, the socket gets `app:error { code: 'socket_flooding' }` and a server-side
 * disconnect: Socket.IO clients do not reconnect by themselves after one (the web app reconnects once, after a
 * pause). The browser app stops at its first refusal (its outbox waits for the next connect), so it never gets here.
 */
import type { Socket } from 'socket.io';
import type { AppContext } from '../core/context.js';
import { AppError } from '../shared/errors.js';

/** Refusals of one socket in a sliding window. */
export class RefusalWindow {
  private readonly times: number[] = [];

  constructor(
    private readonly maxRefusals: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one refusal; true once `maxRefusals` fall within the window. */
  record(): boolean {
    const at = this.now();
    while (this.times.length > 0 && this.times[0]! <= at - this.windowMs) this.times.shift();
    this.times.push(at);
    return this.times.length >= this.maxRefusals;
  }
}

const windows = new WeakMap<Socket, RefusalWindow>();

/** Counts a rate-limit refusal of `socket`'s `event`; disconnects the socket when it reaches the limit. */
export function countRefusal(ctx: AppContext, socket: Socket, event: string): void {
  const { floodRefusals, floodWindowMs } = ctx.config.sockets;
  let window = windows.get(socket);
  if (!window) windows.set(socket, (window = new RefusalWindow(floodRefusals, floodWindowMs)));
  if (!window.record() || !socket.connected) return;
  ctx.logger.warn(
    { socket: socket.id, namespace: socket.nsp.name, event, refusals: floodRefusals, windowMs: floodWindowMs },
    'socket disconnected: it kept sending after being rate-limited',
  );
  socket.emit('app:error', { event, ...new AppError('socket_flooding').toBody().error });
  socket.disconnect(true);
}
