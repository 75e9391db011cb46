import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.js';
import type { Principal, RequestMeta } from '../../modules/identity/principal.js';
import { SESSION_COOKIE } from '../../core/sides.js';
import { API_TOKEN_PREFIX } from '../../shared/integrations.js';
import { bearerToken, setSessionCookie, type CookieSide } from './session-cookies.js';

const cache = new WeakMap<FastifyRequest, Partial<Record<CookieSide, Principal | null>>>();

/**
 * The principal acting on `side` for this request: from a bearer token (API clients) or that side's cookie.
 * Which side is asked is decided by the route, never by the request. A sliding refresh re-sends the cookie.
 */
export async function authenticate(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  side: CookieSide,
): Promise<Principal | undefined> {
  const memo = cache.get(request) ?? {};
  if (side in memo) return memo[side] ?? undefined;
  const bearer = bearerToken(request);
  // An API token is never a session (route-auth.ts handles it), and a request that carries one is judged by it
  // alone: its cookies do not count (a bearer request skips the CSRF origin check).
  const token = bearer?.startsWith(API_TOKEN_PREFIX) ? undefined : (bearer ?? request.cookies[SESSION_COOKIE[side]]);
  let principal: Principal | undefined;
  if (token) {
    const verified = await ctx.services.sessions.verify(token);
    principal = verified?.principal;
    if (verified && token !== bearer && verified.refreshed) {
      setSessionCookie(reply, ctx.config, side, token, verified.expiresAt, ctx.clock.now());
    }
    // A bearer token speaks for its own kind only: a staff token is not a visitor on the public side.
    if (principal && token === bearer && (side === 'staff') !== (principal.kind === 'staff')) principal = undefined;
  }
  memo[side] = principal ?? null;
  cache.set(request, memo);
  return principal;
}

export function requestMeta(request: FastifyRequest): RequestMeta {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua : null };
}
