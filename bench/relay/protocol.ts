/**
 * Wire format of the bare relay (JSON text frames), shared by the relay server and its client adapter.
 *
 *   client → {"t":"join","room":"r1"}                  server → {"t":"joined","room":"r1"}
 *   client → {"t":"send","id":7,"body":"…"}            server → sender {"t":"ack","id":7,"seq":42}
 *                                                               others in the room {"t":"msg","seq":42,"body":"…"}
 *   anything malformed                                 server → {"t":"error","error":"…"}
 */
export type RelayClientFrame = { t: 'join'; room: string } | { t: 'send'; id: number; body: string };
export type RelayServerFrame =
  | { t: 'joined'; room: string }
  | { t: 'ack'; id: number; seq: number }
  | { t: 'msg'; seq: number; body: string }
  | { t: 'error'; error: string };

/** Same cap as the product's sockets (MAX_FRAME_BYTES). */
export const RELAY_MAX_FRAME_BYTES = 64 * 1024;
