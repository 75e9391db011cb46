import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CLOCK_SKEW_SECONDS, MAX_LIFETIME_SECONDS, signIdentityToken, verifyIdentityToken } from './identity-token.js';

const SECRET = 'wsk_test-secret-of-the-site';
const NOW = Date.UTC(2026, 11, 8, 12, 0, 0);
const nowS = NOW / 1000;
const sign = (claims: Record<string, unknown>, secret = SECRET, header?: Record<string, unknown>) =>
  signIdentityToken({ userId: '42', exp: nowS + 600, ...claims } as never, secret, header);

describe('widget identity tokens (HS256 JWT under the site secret)', () => {
  it('accepts a token the host signed, with its claims normalised', () => {
    const r = verifyIdentityToken(sign({ email: ' Jane@Shop.example ', name: ' Jane Doe ' }), SECRET, NOW);
    expect(r).toEqual({
      ok: true,
      claims: { userId: '42', email: 'jane@shop.example', name: 'Jane Doe', expiresAt: (nowS + 600) * 1000 },
    });
  });

  it('accepts what a standard JWT library makes (typ JWT, iat, extra claims)', () => {
    const token = sign({ iat: nowS, sub: 'ignored', aud: 'whatever' });
    expect(verifyIdentityToken(token, SECRET, NOW).ok).toBe(true);
  });

  it('refuses a token signed with another secret, or with its payload changed (forged)', () => {
    expect(verifyIdentityToken(sign({}, 'another-site-secret'), SECRET, NOW)).toMatchObject({
      ok: false,
      code: 'identity_invalid',
      reason: 'signature',
    });
    const [h, , s] = sign({}).split('.');
    const p = Buffer.from(JSON.stringify({ userId: '1', exp: nowS + 600 })).toString('base64url');
    expect(verifyIdentityToken(`${h}.${p}.${s}`, SECRET, NOW)).toMatchObject({ code: 'identity_invalid' });
  });

  it('refuses alg none and other algorithms, even with a valid HMAC over them', () => {
    expect(verifyIdentityToken(sign({}, SECRET, { alg: 'none' }), SECRET, NOW)).toMatchObject({
      reason: 'algorithm',
    });
    expect(verifyIdentityToken(sign({}, SECRET, { alg: 'HS512' }), SECRET, NOW)).toMatchObject({
      reason: 'algorithm',
    });
    const unsigned = sign({}).split('.').slice(0, 2).join('.') + '.';
    expect(verifyIdentityToken(unsigned, SECRET, NOW)).toMatchObject({ code: 'identity_invalid' });
  });

  it('refuses an expired token with its own code, allowing the clock skew', () => {
    expect(verifyIdentityToken(sign({ exp: nowS - CLOCK_SKEW_SECONDS - 1 }), SECRET, NOW)).toMatchObject({
      ok: false,
      code: 'identity_expired',
    });
    expect(verifyIdentityToken(sign({ exp: nowS - CLOCK_SKEW_SECONDS + 5 }), SECRET, NOW).ok).toBe(true);
  });

  it('refuses tokens without exp, living too long, or not yet valid', () => {
    const noExp = signIdentityToken({ userId: '42' } as never, SECRET);
    expect(verifyIdentityToken(noExp, SECRET, NOW)).toMatchObject({ reason: 'exp' });
    expect(
      verifyIdentityToken(sign({ exp: nowS + MAX_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS + 10 }), SECRET, NOW),
    ).toMatchObject({ reason: 'lifetime' });
    expect(verifyIdentityToken(sign({ nbf: nowS + 3600 }), SECRET, NOW)).toMatchObject({ reason: 'nbf' });
    expect(verifyIdentityToken(sign({ iat: nowS + 3600 }), SECRET, NOW)).toMatchObject({ reason: 'iat' });
  });

  it('refuses wrong claim types and shapes', () => {
    for (const claims of [{ userId: 42 }, { userId: '' }, { userId: 'x'.repeat(201) }, { email: 'not-an-email' }]) {
      expect(verifyIdentityToken(sign(claims), SECRET, NOW).ok, JSON.stringify(claims)).toBe(false);
    }
    for (const token of [undefined, 42, '', 'a.b', 'a.b.c.d', 'x'.repeat(5000), '{}.{}.{}']) {
      expect(verifyIdentityToken(token, SECRET, NOW)).toMatchObject({ ok: false, code: 'identity_invalid' });
    }
    // A correctly signed payload that is not JSON is still refused.
    const h = Buffer.from('{"alg":"HS256"}').toString('base64url');
    const p = Buffer.from('not json').toString('base64url');
    const s = createHmac('sha256', SECRET).update(`${h}.${p}`).digest('base64url');
    expect(verifyIdentityToken(`${h}.${p}.${s}`, SECRET, NOW)).toMatchObject({ reason: 'payload' });
  });
});
