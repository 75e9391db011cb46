import { io, type Socket } from 'socket.io-client';
import { currentToken } from './session.js';

let socket: Socket | undefined;

/**
 * The frame's one WebSocket to `/visitor`, authenticated by the frame's bearer token (read again at every
 * reconnect, so a new identity takes effect with `resetWidgetSocket`). Reconnects by itself after a network drop or
 * a sleeping laptop; conversation views resync from their last sequence on every connect.
 */
export function widgetSocket(): Socket {
  if (!socket) {
    socket = io('/visitor', {
      transports: ['websocket'],
      withCredentials: false,
      auth: (cb) => cb({ token: currentToken() ?? '' }),
    });
    socket.on('disconnect', (reason) => {
      // The server ended this socket (e.g. its session was replaced): reconnect with the token held now.
      if (reason === 'io server disconnect') setTimeout(() => socket?.connect(), 300);
    });
  }
  return socket;
}

export function resetWidgetSocket(): void {
  socket?.disconnect();
  socket = undefined;
}
