/**
 * The master key ring: `ENCRYPTION_KEYS="id2:base64,id1:base64"`, the first key encrypts (wraps new data keys),
 * the others only decrypt. Pure: no I/O. Shared by the configuration and by the key file.
 *
 * Key material is held in a private field, so neither JSON.stringify, pino nor util.inspect can print it:
 * a Config object holding a ring is safe to log by mistake.
 */
import { inspect } from 'node:util';

export const MASTER_KEY_BYTES = 32;
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const KEY_ID_RULE = 'a key id is 1–32 characters of letters, digits, "_" and "-"';

export interface MasterKey {
  id: string;
  key: Buffer;
}

/** A problem with key configuration or with the keys the database needs; the message never holds key material. */
export class EncryptionKeyError extends Error {
  override name = 'EncryptionKeyError';
}

export class KeyRing {
  readonly #keys: Map<string, Buffer>;
  /** The id of the key that wraps new data keys (the first one configured). */
  readonly activeId: string;
  /** Every id, active first. */
  readonly ids: readonly string[];

  constructor(entries: readonly MasterKey[]) {
    if (entries.length === 0) throw new EncryptionKeyError('a key ring needs at least one key');
    this.#keys = new Map();
    for (const { id, key } of entries) {
      if (!KEY_ID_PATTERN.test(id)) throw new EncryptionKeyError(`invalid key id: ${KEY_ID_RULE}`);
      if (key.length !== MASTER_KEY_BYTES) throw new EncryptionKeyError(`key "${id}" must be 32 bytes`);
      if (this.#keys.has(id)) throw new EncryptionKeyError(`key id "${id}" appears more than once`);
      this.#keys.set(id, Buffer.from(key));
    }
    this.ids = [...this.#keys.keys()];
    this.activeId = this.ids[0]!;
  }

  get activeKey(): Buffer {
    return this.#keys.get(this.activeId)!;
  }

  /** The key with this id, or undefined: the lookup `openRecord` takes. */
  get(id: string): Buffer | undefined {
    return this.#keys.get(id);
  }

  has(id: string): boolean {
    return this.#keys.has(id);
  }

  toJSON(): { activeId: string; ids: readonly string[] } {
    return { activeId: this.activeId, ids: this.ids };
  }

  [inspect.custom](): string {
    return `KeyRing(${this.ids.join(', ')})`;
  }
}

export type KeyRingParse = { ring: KeyRing; problems?: undefined } | { ring?: undefined; problems: string[] };

const BASE64 = /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/;

/**
 * Parses `id:base64[,id:base64…]` (standard or URL-safe base64, padding optional). Lists every problem;
 * a problem names the entry by position and, once the id is known to be valid, by id — never echoing
 * anything that could be key material (an entry without a colon, or with a bad id, might be a pasted key).
 */
export function parseKeyRing(spec: string): KeyRingParse {
  const problems: string[] = [];
  const entries: MasterKey[] = [];
  const seen = new Set<string>();
  const parts = spec.split(',');
  parts.forEach((raw, index) => {
    const n = index + 1;
    const entry = raw.trim();
    if (entry === '') {
      problems.push(`entry ${n} is empty (entries are id:base64key separated by commas)`);
      return;
    }
    const colon = entry.indexOf(':');
    if (colon < 0) {
      problems.push(`entry ${n} must look like id:base64key`);
      return;
    }
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!KEY_ID_PATTERN.test(id)) {
      problems.push(`entry ${n}: ${KEY_ID_RULE}`);
      return;
    }
    if (seen.has(id)) {
      problems.push(`entry ${n}: key id "${id}" appears more than once`);
      return;
    }
    seen.add(id);
    if (encoded === '' || !BASE64.test(encoded)) {
      problems.push(`entry ${n} ("${id}"): the key is not valid base64`);
      return;
    }
    const key = Buffer.from(encoded, encoded.includes('-') || encoded.includes('_') ? 'base64url' : 'base64');
    if (key.length !== MASTER_KEY_BYTES || encoded.replace(/=+$/, '').length !== 43) {
      problems.push(`entry ${n} ("${id}"): the key must decode to exactly 32 bytes, got ${key.length}`);
      return;
    }
    if (key.every((b) => b === key[0])) {
      problems.push(`entry ${n} ("${id}"): the key is one byte repeated (a placeholder, not a random key)`);
      return;
    }
    entries.push({ id, key });
  });
  if (problems.length > 0) return { problems };
  return { ring: new KeyRing(entries) };
}

/** One key ring entry as the configuration and the key file write it. */
export function formatKeyRingEntry(key: MasterKey): string {
  return `${key.id}:${key.key.toString('base64')}`;
}
