import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../core/context.js';
import type { CustomerPrincipal, PublicPrincipal, StaffPrincipal } from '../../modules/identity/principal.js';
import { AppError } from '../../shared/errors.js';
import { API_TOKEN_PREFIX } from '../../shared/integrations.js';
import { authenticate } from './authenticate.js';
import { bearerToken } from './session-cookies.js';

/** An API token on a session-only route: a clear refusal instead of "please sign in". */
function refuseApiToken(request: FastifyRequest): void {
  const bearer = bearerToken(request);
  if (bearer?.startsWith(API_TOKEN_PREFIX)) throw new AppError('api_token_not_accepted');
}

/**
 * Route guards. Each resolves the principal of its side or throws: 401 when nobody is signed in there,
 * 403 when someone is signed in but may not do this (a customer on a staff endpoint, an agent on an admin one).
 */
export async function requireStaff(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  options: { duringEnrolment?: boolean } = {},
): Promise<StaffPrincipal> {
  const staff = await authenticate(ctx, request, reply, 'staff');
  if (staff?.kind === 'staff') {
    // An admin the policy requires to use two-factor reaches only their own account and the enrolment.
    if (!options.duringEnrolment && ctx.services.twoFactor.mustEnrol(staff)) {
      throw new AppError('two_factor_enrolment_required');
    }
    return staff;
  }
  refuseApiToken(request);
  const other = await authenticate(ctx, request, reply, 'public');
  throw new AppError(other ? 'forbidden' : 'unauthenticated');
}

export async function requireAdmin(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<StaffPrincipal> {
  const staff = await requireStaff(ctx, request, reply);
  if (staff.role !== 'admin') throw new AppError('forbidden', 'Only admins may do that.');
  return staff;
}

/** A visitor or a customer (the people who ask for help). */
export async function requirePublicPrincipal(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<PublicPrincipal> {
  const p = await authenticate(ctx, request, reply, 'public');
  if (p?.kind === 'visitor' || p?.kind === 'customer') return p;
  refuseApiToken(request);
  throw new AppError('unauthenticated');
}

export async function requireCustomer(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<CustomerPrincipal> {
  const p = await authenticate(ctx, request, reply, 'public');
  if (p?.kind === 'customer') return p;
  refuseApiToken(request);
  throw new AppError(p ? 'forbidden' : 'unauthenticated', p ? 'Sign in with a customer account first.' : undefined);
}
