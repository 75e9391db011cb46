import { randomBytes, randomUUID } from 'node:crypto';

/** A new random identifier for a row (UUID v4, text in both databases). */
export function newId(): string {
  return randomUUID();
}

/** A URL-safe random token of `bytes` bytes of entropy (default 256 bits). */
export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
