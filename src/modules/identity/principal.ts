import type { StaffRole } from '../../shared/identity.schemas.js';
import type { ApiScope } from '../../shared/integrations.js';

/**
 * Who is acting through a session (cookie, or a session token as bearer). Always derived from a verified session,
 * never from a request payload. API tokens are the third kind of principal (`TokenPrincipal`): kept out of this union
 * because sessions, sockets and sign-in never involve them; `ActingPrincipal` is either.
 */
export type Principal = VisitorPrincipal | CustomerPrincipal | StaffPrincipal;

export interface VisitorPrincipal {
  kind: 'visitor';
  sessionId: string;
  visitorId: string;
}

export interface CustomerPrincipal {
  kind: 'customer';
  sessionId: string;
  userId: string;
  /** The anonymous visitor this browser was before signing in, if any (its conversation came along). */
  visitorId: string | null;
  username: string;
  displayName: string;
}

export interface StaffPrincipal {
  kind: 'staff';
  sessionId: string;
  userId: string;
  role: StaffRole;
  username: string;
  displayName: string;
  jobTitle: string;
  /** Whether this staff member signs in with a second factor (TOTP). */
  twoFactor: boolean;
}

/**
 * An integration: an API token sent as a bearer token (never a cookie). It may do what its scopes allow on the
 * routes that name one of them; with messages:write it writes as a bot named `botName`.
 */
export interface TokenPrincipal {
  kind: 'token';
  tokenId: string;
  name: string;
  scopes: readonly ApiScope[];
  botName: string | null;
}

export type PublicPrincipal = VisitorPrincipal | CustomerPrincipal;

/** Who may read any conversation: staff, and API tokens with conversations:read (checked by the route). */
export type StaffOrToken = StaffPrincipal | TokenPrincipal;

/** Anyone who can call the API: a session's principal or an API token. */
export type ActingPrincipal = Principal | TokenPrincipal;

export function hasScope(p: ActingPrincipal, scope: ApiScope): boolean {
  return p.kind === 'token' && p.scopes.includes(scope);
}

export function isAdmin(p: Principal | undefined): p is StaffPrincipal {
  return p?.kind === 'staff' && p.role === 'admin';
}

/** Request metadata kept with sessions and audit entries. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}
