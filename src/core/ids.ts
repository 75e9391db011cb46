import { randomBytes, randomFillSync, randomUUID } from 'node:crypto';

/** A new random identifier for a row (UUID v4, text in both databases). */
export function newId(): string {
  return randomUUID();
}

const RANDOM_POOL = Buffer.alloc(10 * 256);
let randomOffset = RANDOM_POOL.length;

/**
 * A new identifier for a row of a table that grows by appends (messages): a UUID v7 (RFC 9562), whose first 48 bits
 * are the time in milliseconds and whose other 74 are random. Consecutive rows then share the primary-key index's
 * last pages instead of landing on random ones: a group commit of a hundred messages writes a few index pages, not a
 * hundred (measured on the SQLite writer, docs/benchmarks.md). The 74 random bits keep it as unguessable as an id
 * needs to be; nothing authorises by knowing an id.
 */
export function newTimeOrderedId(now = Date.now()): string {
  if (randomOffset + 10 > RANDOM_POOL.length) {
    randomFillSync(RANDOM_POOL);
    randomOffset = 0;
  }
  const bytes = Buffer.allocUnsafe(16);
  bytes.writeUIntBE(now, 0, 6);
  RANDOM_POOL.copy(bytes, 6, randomOffset, randomOffset + 10);
  randomOffset += 10;
  bytes[6] = 0x70 | (bytes[6]! & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8]! & 0x3f); // variant 10
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A URL-safe random token of `bytes` bytes of entropy (default 256 bits). */
export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
