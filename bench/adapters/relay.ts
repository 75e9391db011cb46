/** The bare relay's adapter: one room per pair, raw `ws` JSON frames (bench/relay/protocol.ts). */
import { WebSocket } from 'ws';
import type { RelayClientFrame, RelayServerFrame } from '../relay/protocol.js';
import type { Ack, MessagingAdapter, OpenPairOptions, PairHandlers, Participant } from './types.js';

function openParticipant(
  url: string,
  room: string,
  side: 0 | 1,
  handlers: PairHandlers,
  timeoutMs: number,
): Promise<Participant> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), { perMessageDeflate: false });
    const pending = new Map<number, (error: string | undefined, ack?: Ack) => void>();
    let nextId = 1;
    let joined = false;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('relay join timeout'));
    }, timeoutMs);
    const frame = (f: RelayClientFrame) => ws.send(JSON.stringify(f));

    ws.once('open', () => frame({ t: 'join', room }));
    ws.on('message', (data: Buffer) => {
      const f = JSON.parse(data.toString()) as RelayServerFrame;
      if (f.t === 'msg') handlers.onMessage(side, f.body);
      else if (f.t === 'ack') {
        const done = pending.get(f.id);
        pending.delete(f.id);
        done?.(undefined, { id: String(f.id), seq: f.seq });
      } else if (f.t === 'joined' && !joined) {
        joined = true;
        clearTimeout(timer);
        resolve(participant);
      } else if (f.t === 'error') handlers.onDisconnect(side, `relay error ${f.error}`);
    });
    ws.once('close', (code) => {
      for (const done of pending.values()) done(`closed ${code}`);
      pending.clear();
      if (joined) handlers.onDisconnect(side, `closed ${code}`);
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      if (!joined) reject(err);
    });

    const participant: Participant = {
      send(body, done) {
        if (ws.readyState !== WebSocket.OPEN) {
          done('not open');
          return;
        }
        const id = nextId++;
        pending.set(id, done);
        frame({ t: 'send', id, body });
      },
      close() {
        ws.removeAllListeners('close');
        ws.close();
      },
    };
  });
}

export const relayAdapter: MessagingAdapter = {
  name: 'relay',
  async openPair(options: OpenPairOptions, handlers: PairHandlers) {
    const room = `pair-${options.index}`;
    const a = await openParticipant(options.urls[0]!, room, 0, handlers, options.timeoutMs);
    try {
      const b = await openParticipant(options.urls[1 % options.urls.length]!, room, 1, handlers, options.timeoutMs);
      return [a, b];
    } catch (err) {
      a.close();
      throw err;
    }
  },
};
