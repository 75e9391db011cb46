/**
 * The floor: a bare `ws` relay with no database, no authentication and no Socket.IO. Clients join a room by id;
 * every message is fanned out to the room's other members, then acknowledged to the sender with a per-room
 * sequence number. Runs as its own process: `PORT=… node --import tsx bench/relay/relay-server.ts`.
 * `GET /healthz` answers 200 once listening. Exits on SIGTERM, or when its parent goes away.
 */
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { RELAY_MAX_FRAME_BYTES, type RelayClientFrame, type RelayServerFrame } from './protocol.js';

interface Room {
  id: string;
  members: Set<WebSocket>;
  seq: number;
}

const rooms = new Map<string, Room>();
const roomOf = new WeakMap<WebSocket, Room>();

const http = createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' }).end('ok');
});
const wss = new WebSocketServer({ server: http, maxPayload: RELAY_MAX_FRAME_BYTES, perMessageDeflate: false });

const send = (ws: WebSocket, frame: RelayServerFrame) => ws.send(JSON.stringify(frame));

wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    let frame: RelayClientFrame;
    try {
      frame = JSON.parse(isBinary ? '' : (data as Buffer).toString()) as RelayClientFrame;
    } catch {
      send(ws, { t: 'error', error: 'malformed' });
      return;
    }
    if (frame.t === 'join' && typeof frame.room === 'string') {
      leave(ws);
      let room = rooms.get(frame.room);
      if (!room) rooms.set(frame.room, (room = { id: frame.room, members: new Set(), seq: 0 }));
      room.members.add(ws);
      roomOf.set(ws, room);
      send(ws, { t: 'joined', room: frame.room });
    } else if (frame.t === 'send' && typeof frame.body === 'string') {
      const room = roomOf.get(ws);
      if (!room) {
        send(ws, { t: 'error', error: 'not_in_room' });
        return;
      }
      const seq = ++room.seq;
      const out = JSON.stringify({ t: 'msg', seq, body: frame.body } satisfies RelayServerFrame);
      for (const member of room.members) if (member !== ws) member.send(out);
      send(ws, { t: 'ack', id: frame.id, seq });
    } else {
      send(ws, { t: 'error', error: 'unknown' });
    }
  });
  ws.on('close', () => leave(ws));
  ws.on('error', () => ws.terminate());
});

function leave(ws: WebSocket): void {
  const room = roomOf.get(ws);
  if (!room) return;
  room.members.delete(ws);
  roomOf.delete(ws);
  if (room.members.size === 0) rooms.delete(room.id);
}

const port = Number(process.env.PORT ?? 0);
http.listen(port, process.env.HOST ?? '127.0.0.1', () => {
  const address = http.address();
  process.stdout.write(`relay listening on ${typeof address === 'object' && address ? address.port : port}\n`);
});

const parent = process.ppid;
const orphanCheck = setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1_000);
orphanCheck.unref();

process.once('SIGTERM', () => {
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  http.close(() => process.exit(0));
});
