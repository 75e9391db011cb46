/**
 * Worker-side helper for the bare relay: open a WebSocket and join a room, resolving once the relay says
 * `joined` (or rejecting on an error, another answer, or the timeout).
 */
import { WebSocket } from 'ws';
import type { RelayServerFrame } from './protocol.js';

export function joinRelayRoom(url: string, room: string, timeoutMs: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), { perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('relay connect timeout'));
    }, timeoutMs);
    ws.once('open', () => ws.send(JSON.stringify({ t: 'join', room })));
    ws.once('message', (data: Buffer) => {
      clearTimeout(timer);
      const frame = JSON.parse(data.toString()) as RelayServerFrame;
      if (frame.t !== 'joined') {
        ws.terminate();
        reject(new Error(`relay answered ${frame.t}`));
        return;
      }
      resolve(ws);
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
