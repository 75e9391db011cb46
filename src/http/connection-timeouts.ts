/**
 * Connections that never send a complete request head are closed, on every listener (public, staff, TLS).
 *
 * Why Node alone does not do it: `headersTimeout` and `requestTimeout` are enforced by a periodic sweep
 * (`connectionsCheckingInterval`, 30 s by default) over the connections whose request has *begun*: the parser
 * marks a connection active at the first byte of a request. A connection that never sends a byte is never
 * active, so it is never checked and stays open for as long as the client likes (Fastify's socket inactivity
 * timeout, `connectionTimeout`, is 0: off). A half-sent head was cut only after headersTimeout (60 s) plus up to
 * one sweep (30 s): about 90 s. Fastify also sets `requestTimeout` to 0, so a body could trickle in forever.
 *
 * So: Node's own limits, short, checked every second (they cover every request of a keep-alive connection), plus
 * our own timer from the moment a connection is accepted until its first request head is complete (the case Node
 * never checks). A TLS handshake gets the same time (`handshakeTimeout`), then the head gets it again.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** A request head (request line and headers) must be complete within this time; also the TLS handshake. */
  headersTimeoutMs: number;
  /** A whole request (head and body) must be received within this time. */
  requestTimeoutMs: number;
}

/** How often Node sweeps open connections for the two timeouts above (Node's default is 30 s). */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

/** Options for `http.createServer` / `https.createServer`, given at creation (Node reads them only then). */
export function connectionServerOptions(limits: ConnectionLimits, tls: boolean) {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(CONNECTIONS_CHECKING_INTERVAL_MS, limits.headersTimeoutMs),
    ...(tls ? { handshakeTimeout: limits.headersTimeoutMs } : {}),
  };
}

const TIMEOUT_RESPONSE = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/**
 * Closes each accepted connection (after its TLS handshake, with TLS) that has not completed its first request
 * head within `headersTimeoutMs`: nothing sent at all, or half a head. A WebSocket upgrade counts as a request.
 */
export function closeConnectionsWithoutRequest(server: Server, headersTimeoutMs: number, tls: boolean): void {
  const waiting = new WeakMap<Socket, NodeJS.Timeout>();
  const settle = (socket: Socket) => {
    const timer = waiting.get(socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    waiting.delete(socket);
  };
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    const timer = setTimeout(() => {
      waiting.delete(socket);
      // Half a head gets the answer Node gives when its own headersTimeout fires; silence gets nothing.
      if (socket.bytesRead > 0 && socket.writable) socket.write(TIMEOUT_RESPONSE);
      socket.destroy();
    }, headersTimeoutMs);
    timer.unref();
    waiting.set(socket, timer);
    socket.once('close', () => settle(socket));
  });
  server.on('request', (req: IncomingMessage) => settle(req.socket));
  server.on('upgrade', (_req: IncomingMessage, socket: Socket) => settle(socket));
}
