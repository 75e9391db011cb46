import { io, type Socket } from 'socket.io-client';

let socket: Socket | undefined;

/**
 * The one WebSocket of this tab to the `/visitor` namespace (the session cookie authenticates it). Socket.IO
 * reconnects by itself with backoff; conversation views resync from their last sequence on every (re)connect.
 */
export function visitorSocket(): Socket {
  if (!socket) {
    socket = io('/visitor', { transports: ['websocket'], withCredentials: true });
    socket.on('connect_error', (err: Error & { data?: { error?: { code?: string } } }) => {
      // A refused session will not become valid by retrying: stop, the page will offer to start again.
      if (err.data?.error?.code === 'unauthenticated') socket?.disconnect();
    });
    socket.on('disconnect', (reason) => {
      // The server ended this socket's session (e.g. the visitor just signed in, which issues a new session):
      // reconnect once with whatever cookie the browser holds now; a dead session is refused at the handshake.
      if (reason === 'io server disconnect') setTimeout(() => socket?.connect(), 300);
    });
  }
  return socket;
}

/** Drops the connection (sign-out, session ended) so the next use opens a fresh, re-authenticated one. */
export function resetVisitorSocket(): void {
  socket?.disconnect();
  socket = undefined;
}
