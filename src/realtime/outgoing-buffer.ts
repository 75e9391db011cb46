/**
 * The outgoing side of one connection: frames written in one tick leave together, and the bytes waiting to go out
 * are bounded.
 *
 * Bounds: a connection's waiting bytes are capped. A client that stops reading (a stalled tab, a paused
 * process, a hostile script that asks for history and never reads the answers) made the server queue every frame
 * for it until the ping timeout, about 45 s later: engine.io keeps packets in its write buffer while the
 * WebSocket's last write has not reached the kernel, with no limit.
 *
 * What counts: the packets engine.io holds for the connection plus what Node holds unsent on its TCP socket
 * (`writableLength`). What the kernel holds (its socket buffers) is bounded by the kernel. Beyond `maxBytes`, the
 * connection is dropped at once (the queue is discarded, the TCP socket destroyed): nothing more could reach that
 * client anyway, since it does not read. The client sees the transport close, shows "reconnecting…", reconnects by
 * itself and resumes each conversation from the last sequence it holds, so nothing is lost.
 */
import type { Socket as EngineSocket } from 'engine.io';
import type { Logger } from '../core/logger.js';

interface OutgoingPacket {
  data?: unknown;
}

function packetBytes(packet: OutgoingPacket): number {
  const { data } = packet;
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 1;
}

/** What one watched connection carries: the limit, and the bytes of packets created since the last flush. */
interface Watched {
  [WATCH]: { maxBytes: number; logger: Logger; queued: number; dropped: boolean; corked: boolean };
}
const WATCH = Symbol('outgoing-buffer');

// The listeners are shared by every connection (`this` is the connection): no closures per idle socket.
function onFlush(this: EngineSocket & Watched): void {
  const state = this[WATCH];
  state.queued = 0;
  // The frames engine.io writes now, and any written later in this tick, leave in one system call: a group commit
  // hands an agent's desk socket dozens of messages at once, and each frame on its own was a write (20 % of the
  // server's CPU on the send path). Released before any I/O runs, so nothing waits longer.
  const tcp = this.request.socket;
  if (!state.corked && tcp && !tcp.destroyed) {
    state.corked = true;
    tcp.cork();
    process.nextTick(uncork, this);
  }
}

function uncork(socket: EngineSocket & Watched): void {
  socket[WATCH].corked = false;
  socket.request.socket?.uncork();
}

function onPacketCreate(this: EngineSocket & Watched, packet: OutgoingPacket): void {
  const state = this[WATCH];
  if (state.dropped) return;
  state.queued += packetBytes(packet);
  const tcp = this.request.socket;
  const buffered = state.queued + (tcp?.writableLength ?? 0);
  if (buffered <= state.maxBytes) return;
  state.dropped = true;
  state.logger.warn(
    { bufferedBytes: buffered, maxBytes: state.maxBytes, remoteAddress: this.remoteAddress },
    'socket dropped: its reader does not keep up (outgoing buffer over SOCKET_MAX_BUFFERED_KIB)',
  );
  // Discard what is queued and stop accepting packets, then free the TCP socket's buffer at once (a graceful
  // WebSocket close would wait behind the very bytes the client does not read).
  this.close(true);
  tcp?.destroy();
}

/** Watches one engine.io connection; call for every new connection. */
export function limitOutgoingBuffer(socket: EngineSocket, maxBytes: number, logger: Logger): void {
  (socket as EngineSocket & Watched)[WATCH] = { maxBytes, logger, queued: 0, dropped: false, corked: false };
  socket.on('flush', onFlush);
  socket.on('packetCreate', onPacketCreate);
}
