import type { IncomingMessage } from 'node:http';
import type { Side } from '../core/sides.js';

/** A WebSocket upgrade request, marked with the sides its listener serves (public, staff, or both). */
interface SideRequest extends IncomingMessage {
  scSides?: readonly Side[];
}

export function markSides(req: IncomingMessage, sides: readonly Side[]): void {
  (req as SideRequest).scSides = sides;
}

/** The sides of the listener a handshake came through (none for a request that was never marked). */
export function sidesOf(req: IncomingMessage): readonly Side[] {
  return (req as SideRequest).scSides ?? [];
}
