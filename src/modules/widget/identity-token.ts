import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The widget's identity token: what a host site's server signs so that we can trust "this visitor is my signed-in
 * user 42". A compact JWT (RFC 7519) signed with HS256 (HMAC-SHA256) under the site's secret, so any JWT library
 * can make one, or ten lines of `node:crypto` (docs/widget.md):
 *
 *   base64url({"alg":"HS256","typ":"JWT"}) . base64url({"userId":"42","email":"…","name":"…","exp":1767225600}) .
 *   base64url(HMAC-SHA256(secret, header + "." + payload))
 *
 * Pure (no I/O, the clock is an argument). Only HS256 is accepted (never "none", never an algorithm named by the
 * token); the signature is compared in constant time; `exp` is required, and a token may not live longer than
 * MAX_LIFETIME_SECONDS (a leaked token is worth little); `exp`, `nbf` and `iat` are judged with CLOCK_SKEW_SECONDS of
 * tolerance for the host's clock.
 */
export const CLOCK_SKEW_SECONDS = 60;
export const MAX_LIFETIME_SECONDS = 24 * 3600;
export const MAX_TOKEN_CHARS = 4096;

export interface IdentityClaims {
  /** The host site's own id for its user (1–200 characters). */
  userId: string;
  email: string | null;
  name: string | null;
  /** Expiry, epoch milliseconds. */
  expiresAt: number;
}

export type IdentityVerdict =
  { ok: true; claims: IdentityClaims } | { ok: false; code: 'identity_invalid' | 'identity_expired'; reason: string };

const B64URL = /^[A-Za-z0-9_-]*$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,253}$/;

function decodeJson(part: string): unknown {
  if (!B64URL.test(part)) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Signs claims as the host's server would (tests, docs, the admin's "try it"). `exp` in seconds since the epoch. */
export function signIdentityToken(
  claims: { userId: string; email?: string; name?: string; exp: number; [k: string]: unknown },
  secret: string,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const s = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${s}`;
}

/** Verifies a token against the site's secret at `nowMs`. A refusal says why in `reason` (for the server's log). */
export function verifyIdentityToken(token: unknown, secret: string, nowMs: number): IdentityVerdict {
  const invalid = (reason: string): IdentityVerdict => ({ ok: false, code: 'identity_invalid', reason });
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_CHARS) return invalid('shape');
  const parts = token.split('.');
  if (parts.length !== 3) return invalid('shape');
  const [h, p, s] = parts as [string, string, string];
  if (!B64URL.test(s) || s.length === 0) return invalid('shape');

  // The signature first: nothing in an unsigned token is looked at, so a forged one learns nothing.
  const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return invalid('signature');

  const header = decodeJson(h);
  if (!isRecord(header) || header.alg !== 'HS256') return invalid('algorithm');
  if (header.typ !== undefined && header.typ !== 'JWT') return invalid('type');
  const payload = decodeJson(p);
  if (!isRecord(payload)) return invalid('payload');

  const { userId, email, name, exp, nbf, iat } = payload;
  if (typeof userId !== 'string' || userId.trim().length === 0 || userId.length > 200) return invalid('userId');
  if (email !== undefined && email !== null && (typeof email !== 'string' || !EMAIL.test(email.trim())))
    return invalid('email');
  if (name !== undefined && name !== null && (typeof name !== 'string' || name.length > 200)) return invalid('name');
  if (!isTime(exp)) return invalid('exp');
  const now = nowMs / 1000;
  if (exp + CLOCK_SKEW_SECONDS <= now) return { ok: false, code: 'identity_expired', reason: 'expired' };
  if (exp - now > MAX_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) return invalid('lifetime');
  if (nbf !== undefined && (!isTime(nbf) || nbf - CLOCK_SKEW_SECONDS > now)) return invalid('nbf');
  if (iat !== undefined && (!isTime(iat) || iat - CLOCK_SKEW_SECONDS > now)) return invalid('iat');
  return {
    ok: true,
    claims: {
      userId: userId.trim(),
      email: typeof email === 'string' && email.trim() !== '' ? email.trim().toLowerCase() : null,
      name: typeof name === 'string' && name.trim() !== '' ? name.trim() : null,
      expiresAt: Math.round(exp * 1000),
    },
  };
}
