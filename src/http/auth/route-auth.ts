import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.js';
import { isApiTokenText } from '../../modules/api-tokens/api-token.service.js';
import type { StaffOrToken, StaffPrincipal, TokenPrincipal } from '../../modules/identity/principal.js';
import { AppError } from '../../shared/errors.js';
import type { ApiScope } from '../../shared/integrations.js';
import { requestMeta } from './authenticate.js';
import { requireAdmin, requireStaff } from './guards.js';
import { bearerToken } from './session-cookies.js';

/**
 * Who may call a route, declared once on the route (`config: { auth }`) and used twice: by the OpenAPI document
 * (every operation says it) and by the guards (`requireStaffOrToken` reads the scope from here), so the two
 * cannot drift apart.
 * - `'public'`: no authentication;
 * - `'session'` (the default): a signed-in session; API tokens are refused with `api_token_not_accepted`;
 * - `{ scope }`: a staff session, or an API token holding that scope.
 */
export type RouteAuth = 'public' | 'session' | { scope: ApiScope };

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

/** OpenAPI security schemes the operations refer to. */
export const SECURITY_SCHEMES = {
  staffSession: { type: 'apiKey', in: 'cookie', name: 'sc_staff', description: 'Staff session (sign in)' },
  publicSession: {
    type: 'apiKey',
    in: 'cookie',
    name: 'sc_session',
    description: 'Visitor or customer session (POST /api/visitor/session, sign in)',
  },
  apiToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'API token (Admin → API tokens), `Authorization: Bearer scat_…`; see x-required-scope',
  },
} as const;

const routeAuth = (request: FastifyRequest): RouteAuth => request.routeOptions.config.auth ?? 'session';

/** Adds to every route's OpenAPI operation who may call it: `security`, `x-auth`, `x-required-scope`, a sentence. */
export function documentRouteAuth(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    if (schema.hide) return;
    const auth: RouteAuth = route.config?.auth ?? 'session';
    const staffSide = /^\/api\/(staff|admin)\b/.test(route.url);
    let sentence: string;
    if (auth === 'public') {
      schema.security = [];
      schema['x-auth'] = 'public';
      sentence = 'Authentication: none.';
    } else if (auth === 'session') {
      schema.security = [staffSide ? { staffSession: [] } : { publicSession: [] }];
      schema['x-auth'] = 'session';
      sentence = 'Authentication: a signed-in session only; API tokens are refused (`api_token_not_accepted`).';
    } else {
      schema.security = [{ staffSession: [] }, { apiToken: [] }];
      schema['x-auth'] = 'session-or-token';
      schema['x-required-scope'] = auth.scope;
      sentence = `Authentication: a staff session, or an API token with the scope \`${auth.scope}\`.`;
    }
    schema.description = schema.description ? `${String(schema.description)}\n\n${sentence}` : sentence;
    route.schema = schema;
  });
}

const verified = new WeakMap<FastifyRequest, TokenPrincipal | null>();

/** The API token of this request, verified once per request; undefined when it carries none. */
async function tokenOf(ctx: AppContext, request: FastifyRequest): Promise<TokenPrincipal | undefined> {
  const bearer = bearerToken(request);
  if (!bearer || !isApiTokenText(bearer)) return undefined;
  let p = verified.get(request);
  if (p === undefined) {
    p = (await ctx.services.apiTokens.verify(bearer, requestMeta(request).ip)) ?? null;
    verified.set(request, p);
  }
  if (!p) throw new AppError('unauthenticated', 'This API token is invalid, revoked or expired.');
  return p;
}

/** Whether the request authenticates with an API token (for the session-only guards' refusal). */
export function carriesApiToken(request: FastifyRequest): boolean {
  const bearer = bearerToken(request);
  return bearer !== undefined && isApiTokenText(bearer);
}

/** The token, if it holds the route's scope; otherwise insufficient_scope (or api_token_not_accepted). */
async function requireTokenForRoute(ctx: AppContext, request: FastifyRequest): Promise<TokenPrincipal | undefined> {
  const token = await tokenOf(ctx, request);
  if (!token) return undefined;
  const auth = routeAuth(request);
  if (typeof auth !== 'object') throw new AppError('api_token_not_accepted');
  if (!token.scopes.includes(auth.scope)) {
    throw new AppError('insufficient_scope', undefined, { requiredScope: auth.scope });
  }
  return token;
}

/** A staff member (any role), or an API token with the route's scope. */
export async function requireStaffOrToken(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<StaffOrToken> {
  return (await requireTokenForRoute(ctx, request)) ?? requireStaff(ctx, request, reply);
}

/** An admin, or an API token with the route's scope. */
export async function requireAdminOrToken(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<StaffPrincipal | TokenPrincipal> {
  return (await requireTokenForRoute(ctx, request)) ?? requireAdmin(ctx, request, reply);
}

/** An audit actor for whoever acts: an admin by username, a token by name ("API token “CRM sync”"). */
export function auditActorOf(p: StaffPrincipal | TokenPrincipal, request: FastifyRequest) {
  const ip = requestMeta(request).ip;
  return p.kind === 'token'
    ? { id: p.tokenId, name: `API token “${p.name}”`, ip, userId: p.tokenId }
    : { id: p.userId, name: p.username, ip, userId: p.userId };
}
