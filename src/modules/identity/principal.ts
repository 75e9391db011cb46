import type { StaffRole } from '../../shared/identity.schemas.js';

/** Who is acting. Always derived from a verified session, never from a request payload. */
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

export type PublicPrincipal = VisitorPrincipal | CustomerPrincipal;

export function isAdmin(p: Principal | undefined): p is StaffPrincipal {
  return p?.kind === 'staff' && p.role === 'admin';
}

/** Request metadata kept with sessions and audit entries. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}
