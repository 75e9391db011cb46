import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyAddr from '@fastify/proxy-addr';
import type { Config } from '../config/config.js';
import type { Side } from './sides.js';

/**
 * The origins a browser request to `side` may come from: the configured PUBLIC_ORIGIN / STAFF_ORIGIN, or,
 * when none is configured, the request's own origin (same-origin only), and only for host names that cannot be
 * an attacker's (see isOwnHostName). Used for CSRF checks on cookie-authenticated writes and for the Socket.IO
 * handshake.
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
  const host = req.headers.host?.toLowerCase();
  if (!host || /[\s/\\@]/.test(host)) return undefined;
  if (!isOwnHostName(config, host)) return undefined;
  let proto = config.tls ? 'https' : 'http';
  const forwarded = req.headers['x-forwarded-proto'];
  if (typeof forwarded === 'string' && isTrustedProxy(config, req)) {
    // The nearest proxy appends last (Fastify reads it the same way).
    const value = forwarded.slice(forwarded.lastIndexOf(',') + 1).trim();
    if (value === 'https' || value === 'http') proto = value;
  }
  return `${proto}://${host}`;
}

/**
 * Host names the request's own origin may carry when no origin is configured. A DNS-rebinding page has Host and
 * Origin both on the attacker's name, so an arbitrary name is never trusted: only loopback names (`localhost`,
 * `*.localhost`), IP literals (a page can't rebind an address), the configured HOST and the host names of the
 * configured origins.
 */
function isOwnHostName(config: Config, host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  if (name === 'localhost' || name.endsWith('.localhost') || isIP(name) !== 0) return true;
  if (name === config.host.toLowerCase()) return true;
  return [config.publicOrigin, config.staffOrigin].some((o) => o !== undefined && new URL(o).hostname === name);
}

const trustFunctions = new WeakMap<Config, (address: string, hop: number) => boolean>();

/**
 * Whether the peer that sent `req` is a proxy TRUST_PROXY names, so its X-Forwarded-* headers count. The same rule
 * as Fastify's: `true` trusts every peer, a hop count names no address and so trusts none, a list is compiled once.
 */
export function isTrustedProxy(config: Config, req: IncomingMessage): boolean {
  const address = req.socket?.remoteAddress;
  if (address === undefined) return false;
  const { trustProxy } = config;
  if (trustProxy === true) return true;
  if (trustProxy === false || typeof trustProxy === 'number') return false;
  let trust = trustFunctions.get(config);
  if (!trust) {
    trust = proxyAddr.compile(trustProxy);
    trustFunctions.set(config, trust);
  }
  return trust(address, 0);
}

export function isAllowedOrigin(config: Config, side: Side, req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  return allowedOrigins(config, side, req).includes(origin.toLowerCase());
}

/** The origin links in e-mails point to for a side: its first allowed origin (the configured one when set). */
export function linkOrigin(config: Config, req: IncomingMessage, side: Side): string {
  return allowedOrigins(config, side, req)[0] ?? 'http://localhost:' + config.port;
}
