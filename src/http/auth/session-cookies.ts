import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.js';
import { SESSION_COOKIE, type Side } from '../../core/sides.js';

/**
 * One cookie per side, so signing in or out of the staff side never touches a visitor's or customer's session
 * in the same browser (the original shared one cookie and logged people out).
 */
export type CookieSide = Side;

/**
 * `Secure` whenever the side's browsers reach it over https: native TLS, or the origin configured for that side
 * (the staff side has its own with STAFF_PORT, else it lives on the public origin).
 */
export function usesSecureCookies(config: Config, side: CookieSide): boolean {
  if (config.tls !== undefined) return true;
  const origin = side === 'staff' && config.staffPort !== undefined ? config.staffOrigin : config.publicOrigin;
  return origin?.startsWith('https:') ?? false;
}

export function setSessionCookie(
  reply: FastifyReply,
  config: Config,
  side: CookieSide,
  token: string,
  expiresAt: number,
  now: number,
): void {
  void reply.setCookie(SESSION_COOKIE[side], token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: usesSecureCookies(config, side),
    path: '/',
    // Persistent (survives browser restarts), sliding with the server-side expiry.
    maxAge: Math.max(1, Math.round((expiresAt - now) / 1000)),
  });
}

export function clearSessionCookie(reply: FastifyReply, config: Config, side: CookieSide): void {
  void reply.clearCookie(SESSION_COOKIE[side], {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: usesSecureCookies(config, side),
  });
}

/** A bearer token from `Authorization: Bearer …` (API clients), if present. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+([A-Za-z0-9_-]{20,200})\s*$/.exec(header);
  return match?.[1];
}
