/**
 * Bounds the bytes waiting to go out on one connection. A client that stops reading (a stalled tab, a paused
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

/** Watches one engine.io connection; call for every new connection. */
export function limitOutgoingBuffer(socket: EngineSocket, maxBytes: number, logger: Logger): void {
  const tcp = socket.request.socket;
  /** Bytes of packets created since engine.io last handed its write buffer to the transport. */
  let queued = 0;
  let dropped = false;
  socket.on('flush', () => {
    queued = 0;
  });
  socket.on('packetCreate', (packet: OutgoingPacket) => {
    if (dropped) return;
    queued += packetBytes(packet);
    const buffered = queued + (tcp?.writableLength ?? 0);
    if (buffered <= maxBytes) return;
    dropped = true;
    logger.warn(
      { bufferedBytes: buffered, maxBytes, remoteAddress: socket.remoteAddress },
      'socket dropped: its reader does not keep up (outgoing buffer over SOCKET_MAX_BUFFERED_KIB)',
    );
    // Discard what is queued and stop accepting packets, then free the TCP socket's buffer at once (a graceful
    // WebSocket close would wait behind the very bytes the client does not read).
    socket.close(true);
    tcp?.destroy();
  });
}
