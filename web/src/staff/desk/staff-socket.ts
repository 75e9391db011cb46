import { io, type Socket } from 'socket.io-client';

let socket: Socket | undefined;

/** The desk's one WebSocket to `/staff` (the staff cookie authenticates it); reconnects by itself, also when the server dropped it. */
export function staffSocket(): Socket {
  if (!socket) {
    socket = io('/staff', { transports: ['websocket'], withCredentials: true });
    socket.on('connect_error', (err: Error & { data?: { error?: { code?: string } } }) => {
      if (err.data?.error?.code === 'unauthenticated') socket?.disconnect();
    });
    socket.on('disconnect', (reason) => {
      // The server dropped this socket (a flood, an instance going away): Socket.IO does not retry those by
      // itself. Reconnect once; a session that has ended is refused at the handshake (and `session:ended` has sent
      // the desk to the sign-in page already).
      if (reason === 'io server disconnect') setTimeout(() => socket?.connect(), 300);
    });
    socket.on('session:ended', () => {
      // Signed out elsewhere, deactivated, or the password changed: back to the sign-in page.
      window.location.assign('/staff/signin');
    });
  }
  return socket;
}

export function resetStaffSocket(): void {
  socket?.disconnect();
  socket = undefined;
}
