import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecryptionError, NONCE_BYTES, openRecord, recordKeyId, sealRecord, TAG_BYTES } from './record-cipher.js';

const key = randomBytes(32);
const otherKey = randomBytes(32);
const keys: Record<string, Buffer> = { k2: key, k1: otherKey };
const lookup = (id: string) => keys[id];
const aad = 'msg:conv-1:msg-1';
const secret = 'the canary SECRET plaintext';

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DecryptionError);
    const e = err as DecryptionError;
    expect(e.code).toBe('decryption_failed');
    expect(e.status).toBe(500);
    // Nothing of the content or key reaches the message.
    expect(e.message).not.toContain('SECRET');
    expect(e.message).not.toContain(key.toString('base64'));
    return e.reason;
  }
  throw new Error('expected a DecryptionError');
}

describe('record cipher', () => {
  it('round-trips text and binary, and lays the record out as version ‖ idLength ‖ id ‖ nonce ‖ ciphertext ‖ tag', () => {
    const record = sealRecord(key, 'k2', secret, aad);
    expect(record[0]).toBe(1);
    expect(record[1]).toBe(2);
    expect(record.subarray(2, 4).toString('utf8')).toBe('k2');
    expect(record.length).toBe(4 + NONCE_BYTES + Buffer.byteLength(secret) + TAG_BYTES);
    expect(record.includes(Buffer.from('SECRET'))).toBe(false);
    expect(recordKeyId(record)).toBe('k2');
    expect(openRecord(lookup, record, aad).toString('utf8')).toBe(secret);

    const bytes = randomBytes(1000);
    expect(openRecord(lookup, sealRecord(key, 'k2', bytes, Buffer.from(aad)), aad).equals(bytes)).toBe(true);
    expect(openRecord(lookup, sealRecord(key, 'k2', '', aad), aad).length).toBe(0);
  });

  it('decrypts with the key named in the record, among several', () => {
    const record = sealRecord(otherKey, 'k1', secret, aad);
    expect(openRecord(lookup, record, aad).toString()).toBe(secret);
  });

  describe('a flipped byte fails closed', () => {
    const record = sealRecord(key, 'k2', secret, aad);
    const header = 4;
    const regions: [string, number, string][] = [
      ['version', 0, 'malformed'],
      ['nonce (first byte)', header, 'tampered'],
      ['nonce (last byte)', header + NONCE_BYTES - 1, 'tampered'],
      ['ciphertext (first byte)', header + NONCE_BYTES, 'tampered'],
      ['ciphertext (last byte)', record.length - TAG_BYTES - 1, 'tampered'],
      ['tag (first byte)', record.length - TAG_BYTES, 'tampered'],
      ['tag (last byte)', record.length - 1, 'tampered'],
    ];
    it.each(regions)('in the %s → %s', (_region, index, reason) => {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bad = Buffer.from(record);
        bad[index]! ^= mask;
        expect(reasonOf(() => openRecord(lookup, bad, aad))).toBe(reason);
      }
    });

    it('in the key id length → malformed, or unknown_key when the shifted bytes still read as an id', () => {
      for (const mask of [0x01, 0x02, 0x80, 0xff]) {
        const bad = Buffer.from(record);
        bad[1]! ^= mask;
        expect(['malformed', 'unknown_key']).toContain(reasonOf(() => openRecord(lookup, bad, aad)));
      }
      const longer = Buffer.from(record);
      longer[1] = 3;
      longer[4] = 'x'.charCodeAt(0); // "k2x", a well-formed id that names no key
      expect(reasonOf(() => openRecord(lookup, longer, aad))).toBe('unknown_key');
      longer[4] = 0x00; // not an id character
      expect(reasonOf(() => openRecord(lookup, longer, aad))).toBe('malformed');
    });

    it('in the key id → unknown_key, or tampered when the flipped id names another known key', () => {
      const bad = Buffer.from(record);
      bad[3] = 'x'.charCodeAt(0); // "kx": no such key
      expect(reasonOf(() => openRecord(lookup, bad, aad))).toBe('unknown_key');
      // "k1" exists: the header is authenticated, so a relabelled record does not open under the other key,
      // nor under the same key relabelled.
      bad[3] = '1'.charCodeAt(0);
      expect(reasonOf(() => openRecord(lookup, bad, aad))).toBe('tampered');
      expect(reasonOf(() => openRecord(() => key, bad, aad))).toBe('tampered');
    });

    it('in every single byte, whatever the region', () => {
      for (let i = 0; i < record.length; i++) {
        const bad = Buffer.from(record);
        bad[i]! ^= 0x04;
        expect(() => openRecord(lookup, bad, aad)).toThrow(DecryptionError);
      }
    });
  });

  it('binds a record to its row: other associated data, or records swapped between rows, fail as tampered', () => {
    const first = sealRecord(key, 'k2', 'first message', 'msg:conv-1:msg-1');
    const second = sealRecord(key, 'k2', 'second message', 'msg:conv-1:msg-2');
    expect(reasonOf(() => openRecord(lookup, first, 'msg:conv-1:msg-2'))).toBe('tampered');
    expect(reasonOf(() => openRecord(lookup, second, 'msg:conv-1:msg-1'))).toBe('tampered');
    expect(reasonOf(() => openRecord(lookup, first, 'msg:conv-2:msg-1'))).toBe('tampered');
    expect(reasonOf(() => openRecord(lookup, first, ''))).toBe('tampered');
  });

  it('fails with unknown_key when the key id is not in the lookup, and tampered under the wrong key', () => {
    const record = sealRecord(key, 'gone', secret, aad);
    expect(reasonOf(() => openRecord(lookup, record, aad))).toBe('unknown_key');
    expect(reasonOf(() => openRecord(() => otherKey, record, aad))).toBe('tampered');
  });

  it('fails with malformed for truncated records, unknown versions and garbage', () => {
    const record = sealRecord(key, 'k2', secret, aad);
    for (const length of [0, 1, 2, 3, 4, 4 + NONCE_BYTES, 4 + NONCE_BYTES + TAG_BYTES - 1]) {
      expect(reasonOf(() => openRecord(lookup, record.subarray(0, length), aad))).toBe('malformed');
    }
    // Cut inside the ciphertext or tag: still long enough to parse, so authentication catches it.
    expect(reasonOf(() => openRecord(lookup, record.subarray(0, record.length - 1), aad))).toBe('tampered');
    const v2 = Buffer.from(record);
    v2[0] = 2;
    expect(reasonOf(() => openRecord(lookup, v2, aad))).toBe('malformed');
    const noId = Buffer.concat([Buffer.from([1, 0]), randomBytes(40)]);
    expect(reasonOf(() => openRecord(lookup, noId, aad))).toBe('malformed');
    const badId = Buffer.concat([Buffer.from([1, 2]), Buffer.from('k '), randomBytes(40)]);
    expect(reasonOf(() => openRecord(lookup, badId, aad))).toBe('malformed');
    expect(reasonOf(() => openRecord(lookup, 'not a buffer' as unknown as Buffer, aad))).toBe('malformed');
  });

  it('uses a fresh nonce for every record: 20,000 seals of the same plaintext never repeat one', () => {
    const nonces = new Set<string>();
    const records = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const record = sealRecord(key, 'k2', 'same', aad);
      nonces.add(record.subarray(4, 4 + NONCE_BYTES).toString('hex'));
      records.add(record.toString('hex'));
    }
    expect(nonces.size).toBe(20_000);
    expect(records.size).toBe(20_000);
  });

  it('refuses programming errors when sealing: wrong key size, bad key id, empty associated data', () => {
    expect(() => sealRecord(randomBytes(16), 'k2', secret, aad)).toThrow(RangeError);
    expect(() => sealRecord(key, '', secret, aad)).toThrow(RangeError);
    expect(() => sealRecord(key, 'x'.repeat(33), secret, aad)).toThrow(RangeError);
    expect(() => sealRecord(key, 'k é', secret, aad)).toThrow(RangeError);
    expect(() => sealRecord(key, 'k2', secret, '')).toThrow(RangeError);
  });
});
