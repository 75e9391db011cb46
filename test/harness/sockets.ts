import { io as connect, type Socket, type ManagerOptions, type SocketOptions } from 'socket.io-client';

/** A Socket.IO client the way our browser app connects: WebSocket only, with the page's Origin. */
export function socketClient(
  baseUrl: string,
  namespace: string,
  options: Partial<ManagerOptions & SocketOptions> & { cookie?: string; origin?: string | null; bearer?: string } = {},
): Socket {
  const { cookie, origin, bearer, ...rest } = options;
  const headers: Record<string, string> = {};
  if (origin !== null) headers.origin = origin ?? new URL(baseUrl).origin;
  if (cookie) headers.cookie = cookie;
  return connect(new URL(namespace, baseUrl).toString(), {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: headers,
    ...(bearer ? { auth: { token: bearer } } : {}),
    ...rest,
  });
}

/** Resolves on connect, rejects with the server's reason on connect_error. */
export function connected(socket: Socket, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket connect timeout')), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export function nextEvent<T = unknown>(socket: Socket, event: string, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    socket.once(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}
