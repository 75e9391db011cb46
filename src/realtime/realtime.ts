import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server as EngineServer, type Socket as EngineSocket } from 'engine.io';
import { Server as SocketServer } from 'socket.io';
import type { AppContext } from '../core/context.js';
import { isAllowedOrigin } from '../core/origins.js';
import { authenticateNamespace, enforceSessionRevocation } from './socket-auth.js';
import { startFanOut } from './fan-out.js';
import { markSides, sidesOf } from './listener-sides.js';
import { SendOrigins } from './send-origins.js';
import { registerStaffHandlers } from './staff-handlers.js';
import { registerVisitorHandlers } from './visitor-handlers.js';
import type { Side } from '../core/sides.js';
import { registerDeskToolFrames } from './desk-tools-frames.js';
import { createStatusPublisher, type StatusPublisher } from './status-publisher.js';
import { trackPresence } from './presence-tracking.js';
import { limitOutgoingBuffer } from './outgoing-buffer.js';

/** Largest accepted socket frame; a bigger one closes the connection with code 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;
export const SOCKET_PATH = '/socket.io/';

export interface Realtime {
  io: SocketServer;
  /** Support status pushes on `/public`. */
  status: StatusPublisher;
  /** Starts what reads the database (status timer); call after migrations. */
  start(): void;
  /** Routes WebSocket upgrades of `server` (one listener) into the shared Socket.IO server. */
  attach(server: HttpServer, sides: readonly Side[]): void;
  /** Tells every client to reconnect elsewhere, then closes all transports. */
  close(): Promise<void>;
}

/**
 * One Socket.IO server fed by every listener (public and, with STAFF_PORT, staff), WebSocket transport only,
 * so no sticky sessions are needed behind a load balancer. Origins are checked here: Fastify hooks do not
 * run for upgrades.
 */
export function createRealtime(ctx: AppContext): Realtime {
  const engine = new EngineServer({
    transports: ['websocket'],
    maxHttpBufferSize: MAX_FRAME_BYTES,
    pingInterval: 25_000,
    pingTimeout: 20_000,
    perMessageDeflate: false,
    allowRequest(req, callback) {
      const sides = sidesOf(req);
      if (!sides.some((side) => isAllowedOrigin(ctx.config, side, req))) {
        ctx.logger.info({ origin: req.headers.origin, sides }, 'socket refused: foreign origin');
        callback('origin not allowed', false);
        return;
      }
      callback(null, true);
    },
  });
  // Refused handshakes (bad origin, bad transport, malformed): the request is logged by the `req` serializer, which
  // keeps the path and query keys only, never the cookie or a token.
  engine.on(
    'connection_error',
    (err: { req?: IncomingMessage; code?: number; message?: string; context?: unknown }) => {
      ctx.logger.debug(
        { req: err.req, code: err.code, reason: err.message, context: err.context },
        'socket handshake refused',
      );
    },
  );
  // A connection whose reader does not keep up is dropped beyond SOCKET_MAX_BUFFERED_KIB (outgoing-buffer.ts).
  engine.on('connection', (socket: EngineSocket) =>
    limitOutgoingBuffer(socket, ctx.config.sockets.maxBufferedBytes, ctx.logger),
  );
  const io = new SocketServer({ serveClient: false, transports: ['websocket'], cleanupEmptyChildNamespaces: true });
  io.bind(engine);

  // The default namespace carries nothing: clients use the namespaces below.
  io.of('/').use((_socket, next) => next(new Error('namespace_required')));

  // Public, read-only, unauthenticated: support status and other public announcements.
  const publicNs = io.of('/public');
  publicNs.on('connection', (socket) => {
    socket.onAny(() => {
      // Read-only: client events are ignored.
    });
  });
  const status = createStatusPublisher(ctx, publicNs);

  // Authenticated namespaces: which principal acts is decided by the namespace, never by the payload.
  const visitorNs = io.of('/visitor');
  const staffNs = io.of('/staff');
  authenticateNamespace(ctx, visitorNs, 'public');
  authenticateNamespace(ctx, staffNs, 'staff');
  const stopRevocation = enforceSessionRevocation(ctx, [visitorNs, staffNs], ctx.config.socketRevalidateMs);
  const origins = new SendOrigins();
  registerVisitorHandlers(ctx, visitorNs, origins);
  registerStaffHandlers(ctx, staffNs, origins);
  const stopConversations = startFanOut(ctx, visitorNs, staffNs, origins);
  const stopDeskTools = registerDeskToolFrames(ctx, staffNs);
  trackPresence(ctx, visitorNs, staffNs);

  ctx.metrics.socketCounts = () => {
    const counts: Record<string, number> = {};
    for (const [name, nsp] of io._nsps) counts[name] = nsp.sockets.size;
    return counts;
  };

  return {
    io,
    status,
    start() {
      status.start();
    },
    attach(server, sides) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (!(req.url ?? '').startsWith(SOCKET_PATH)) {
          socket.destroy();
          return;
        }
        markSides(req, sides);
        engine.handleUpgrade(req, socket, head);
      });
    },
    async close() {
      stopRevocation();
      stopConversations();
      stopDeskTools();
      status.close();
      io.emit('server:shutdown', { reconnect: true });
      for (const nsp of io._nsps.values()) nsp.emit('server:shutdown', { reconnect: true });
      // Closing transports (not `disconnect(true)`) lets clients reconnect by themselves, to another instance.
      engine.close();
      await new Promise((r) => setImmediate(r));
    },
  };
}
