import { io, type Socket } from 'socket.io-client';

let socket: Socket | undefined;

/** The desk's one WebSocket to `/staff` (the staff cookie authenticates it); reconnects by itself. */
export function staffSocket(): Socket {
  if (!socket) {
    socket = io('/staff', { transports: ['websocket'], withCredentials: true });
    socket.on('connect_error', (err: Error & { data?: { error?: { code?: string } } }) => {
      if (err.data?.error?.code === 'unauthenticated') socket?.disconnect();
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
