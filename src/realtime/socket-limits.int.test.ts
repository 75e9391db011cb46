import { randomUUID } from 'node:crypto';
import type { Socket as TcpSocket } from 'node:net';
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Socket as ServerSocket } from 'socket.io';
import type { Socket } from 'socket.io-client';
import { describeEachDialect } from '../../test/harness/dialects.js';
import { visitorWithConversation } from '../../test/harness/factories.js';
import { connected, nextEvent, socketClient } from '../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

/** The TCP socket under a Socket.IO client (Node build: engine.io-client's `ws` transport). */
function tcpOf(client: Socket): TcpSocket {
  return (client.io.engine.transport as unknown as { ws: { _socket: TcpSocket } }).ws._socket;
}

/** The server side of the next socket to connect to `/visitor`. */
function nextServerSocket(t: TestApp): Promise<ServerSocket> {
  return new Promise((resolve) => t.app.realtime.io.of('/visitor').once('connection', resolve));
}

describeEachDialect('socket limits', (dialect) => {
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });

  describe('a socket whose reader never drains', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect, { env: { SOCKET_MAX_BUFFERED_KIB: '64' } });
    });
    afterAll(() => t?.stop());

    /** A conversation of 21 messages, each answer to a sync of all of them about 35 KB. */
    async function longConversation() {
      const v = await visitorWithConversation(t);
      for (let i = 0; i < 20; i++) {
        const r = await v.client.post(`/api/conversations/${v.conversationId}/messages`, {
          clientMsgId: randomUUID(),
          text: `${i} ${'x'.repeat(1_500)}`,
        });
        expect(r.status).toBe(201);
      }
      return v;
    }

    it('is dropped once its outgoing buffer passes the limit; the client reconnects and resumes', async () => {
      const v = await longConversation();
      const serverSide = nextServerSocket(t);
      const client = socketClient(t.url, '/visitor', {
        cookie: v.client.cookieHeader(),
        reconnection: true,
        reconnectionDelay: 50,
        reconnectionDelayMax: 200,
      });
      sockets.push(client);
      await connected(client);
      const server = await serverSide;
      const serverReason = new Promise<string>((resolve) => server.once('disconnect', resolve));

      // The client stops reading, and keeps asking for the whole history: one request as soon as the server has
      // queued the answer to the previous one, until the server gives up on it.
      const tcp = tcpOf(client);
      tcp.pause();
      let dropped = false;
      void serverReason.then(() => (dropped = true));
      for (let i = 0; i < 2_000 && !dropped; i++) {
        const answered = Promise.race([once(server.conn, 'packetCreate'), serverReason]);
        client.emit('conversation:sync', { conversationId: v.conversationId, after: 0, limit: 500 }, () => undefined);
        await answered;
      }
      expect(await serverReason).toBe('forced close');
      expect(t.logs.some((l) => l.includes('outgoing buffer over SOCKET_MAX_BUFFERED_KIB'))).toBe(true);

      // Reading again, the client finds its transport closed (a normal reconnect: "reconnecting…"), reconnects
      // by itself and resumes from the sequence it holds.
      const disconnect = nextEvent<string>(client, 'disconnect', 10_000);
      const reconnect = nextEvent(client, 'connect', 10_000);
      tcp.resume();
      expect(await disconnect).toBe('transport close');
      await reconnect;
      const sync = await client.emitWithAck('conversation:sync', { conversationId: v.conversationId, after: 1 });
      expect(sync.ok).toBe(true);
      expect(sync.messages).toHaveLength(20);
    });

    it('a client that reads its answers is never dropped', async () => {
      const v = await longConversation();
      const client = socketClient(t.url, '/visitor', { cookie: v.client.cookieHeader() });
      sockets.push(client);
      await connected(client);
      for (let i = 0; i < 50; i++) {
        const sync = await client.emitWithAck('conversation:sync', { conversationId: v.conversationId, after: 0 });
        expect(sync.messages).toHaveLength(21);
      }
      expect(client.connected).toBe(true);
    });
  });

  describe('a socket that keeps sending after being rate-limited', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect, {
        env: { LIMIT_MESSAGES_PER_10_SECONDS: '3', SOCKET_FLOOD_REFUSALS: '3', SOCKET_FLOOD_WINDOW_SECONDS: '60' },
      });
    });
    afterAll(() => t?.stop());

    it('is refused message by message, then disconnected with socket_flooding after the configured refusals', async () => {
      // Starting the conversation used one of the three messages of the window.
      const v = await visitorWithConversation(t);
      const client = socketClient(t.url, '/visitor', { cookie: v.client.cookieHeader() });
      sockets.push(client);
      await connected(client);
      const errors: { code: string; event: string }[] = [];
      client.on('app:error', (e: { code: string; event: string }) => errors.push(e));
      const disconnected = nextEvent<string>(client, 'disconnect', 10_000);
      const send = () =>
        client.emitWithAck('message:send', { conversationId: v.conversationId, clientMsgId: randomUUID(), text: 'hi' });

      expect((await send()).ok).toBe(true);
      expect((await send()).ok).toBe(true);
      for (let refusal = 1; refusal <= 3; refusal++) {
        const ack = await send();
        expect(ack.error.code).toBe('rate_limited');
        if (refusal < 3) expect(client.connected).toBe(true);
      }
      expect(await disconnected).toBe('io server disconnect');
      expect(errors.map((e) => e.code)).toEqual(['rate_limited', 'rate_limited', 'rate_limited', 'socket_flooding']);
      expect(errors.at(-1)).toMatchObject({ event: 'message:send' });
      expect(client.active).toBe(false);
      expect(t.logs.some((l) => l.includes('kept sending after being rate-limited'))).toBe(true);
    });
  });
});
