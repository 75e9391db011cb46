import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/config.js';
import type { Side } from './routes/index.js';

/**
 * The origins a browser request to `side` may come from: the configured PUBLIC_ORIGIN / STAFF_ORIGIN, or,
 * when none is configured, the request's own origin (same-origin only). Used for CSRF checks on
 * cookie-authenticated writes and for the Socket.IO handshake.
 */
export function allowedOrigins(config: Config, side: Side, req: IncomingMessage): string[] {
  const own = ownOrigin(config, req);
  if (side === 'staff') {
    if (config.staffPort !== undefined) return config.staffOrigin ? [config.staffOrigin] : own ? [own] : [];
    // One port serves both sides: the staff app lives on the public origin.
    return config.publicOrigin ? [config.publicOrigin] : own ? [own] : [];
  }
  return config.publicOrigin ? [config.publicOrigin] : own ? [own] : [];
}

function ownOrigin(config: Config, req: IncomingMessage): string | undefined {
  const host = req.headers.host;
  if (!host || /[\s/\\@]/.test(host)) return undefined;
  let proto = config.tls ? 'https' : 'http';
  if (config.trustProxy !== false) {
    const forwarded = req.headers['x-forwarded-proto'];
    const value = Array.isArray(forwarded) ? forwarded[0] : forwarded;
    if (value === 'https' || value === 'http') proto = value;
  }
  return `${proto}://${host.toLowerCase()}`;
}

export function isAllowedOrigin(config: Config, side: Side, req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  return allowedOrigins(config, side, req).includes(origin.toLowerCase());
}
