/** The Socket.IO + SQLite baseline's adapter (bench/baselines/socketio-sqlite-server.ts): one room per pair. */
import { io, type Socket } from 'socket.io-client';
import type { Ack, MessagingAdapter, OpenPairOptions, PairHandlers, Participant } from './types.js';

async function openParticipant(
  url: string,
  room: string,
  side: 0 | 1,
  handlers: PairHandlers,
  timeoutMs: number,
): Promise<Participant> {
  const socket: Socket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: timeoutMs,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  await socket.timeout(timeoutMs).emitWithAck('join', room);
  socket.on('message', (m: { body: string }) => handlers.onMessage(side, m.body));
  const pending = new Set<(error: string | undefined, ack?: Ack) => void>();
  socket.on('disconnect', (reason) => {
    for (const done of pending) done(`disconnected ${reason}`);
    pending.clear();
    handlers.onDisconnect(side, reason);
  });
  let n = 0;
  return {
    send(body, done) {
      if (!socket.connected) {
        done('not connected');
        return;
      }
      const seq = ++n;
      pending.add(done);
      socket.emit('message', { room, clientId: `${side}-${seq}`, body }, (r: { id: string }) => {
        if (!pending.delete(done)) return;
        done(undefined, { id: r.id, seq });
      });
    },
    close() {
      socket.off('disconnect');
      socket.close();
    },
  };
}

export const socketioSqliteAdapter: MessagingAdapter = {
  name: 'socketio-sqlite',
  async openPair(options: OpenPairOptions, handlers: PairHandlers) {
    const room = `pair-${options.index}`;
    const a = await openParticipant(options.urls[0]!, room, 0, handlers, options.timeoutMs);
    try {
      return [a, await openParticipant(options.urls[0]!, room, 1, handlers, options.timeoutMs)];
    } catch (err) {
      a.close();
      throw err;
    }
  },
};
