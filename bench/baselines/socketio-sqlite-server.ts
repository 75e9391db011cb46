/**
 * The second baseline: the chat a developer would write with Socket.IO and SQLite, as the tutorials show it — a
 * room per conversation, one INSERT per message (better-sqlite3, WAL, `synchronous=FULL`: durable, like ours), the
 * acknowledgement after the insert, and a broadcast to the room. No authentication, no validation, no encryption.
 * The product must never be slower than this (issue 13). Runs as its own process:
 * `PORT=… DATA_DIR=… node --import tsx bench/baselines/socketio-sqlite-server.ts`; `GET /healthz` answers 200.
 */
import { createServer } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Server } from 'socket.io';

const db = new Database(join(process.env.DATA_DIR ?? '.', 'naive-chat.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`create table if not exists messages (
  id integer primary key, room text not null, client_id text not null, body text not null, created_at integer not null
)`);
const insert = db.prepare('insert into messages (room, client_id, body, created_at) values (?, ?, ?, ?)');

const http = createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' }).end('ok');
});
const io = new Server(http, { transports: ['websocket'] });

io.on('connection', (socket) => {
  socket.on('join', (room: string, ack: (r: unknown) => void) => {
    void socket.join(room);
    ack({ ok: true });
  });
  socket.on('message', (m: { room: string; clientId: string; body: string }, ack: (r: unknown) => void) => {
    const { lastInsertRowid } = insert.run(m.room, m.clientId, m.body, Date.now());
    ack({ ok: true, id: String(lastInsertRowid) });
    socket.to(m.room).emit('message', { room: m.room, body: m.body });
  });
});

http.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => {
  void io.close();
  db.close();
  process.exit(0);
});
process.once('disconnect', () => process.exit(0));
