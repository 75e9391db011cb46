import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatKeyRingEntry, KeyRing, parseKeyRing } from './key-ring.js';

const b64 = () => randomBytes(32).toString('base64');

function problemsOf(spec: string): string[] {
  const parsed = parseKeyRing(spec);
  expect(parsed.ring).toBeUndefined();
  return parsed.problems ?? [];
}

describe('key ring parsing', () => {
  it('takes the first key as active and keeps the others for decryption', () => {
    const k2 = randomBytes(32);
    const k1 = randomBytes(32);
    const { ring } = parseKeyRing(`k2:${k2.toString('base64')}, k1:${k1.toString('base64')}`);
    expect(ring!.activeId).toBe('k2');
    expect(ring!.ids).toEqual(['k2', 'k1']);
    expect(ring!.activeKey.equals(k2)).toBe(true);
    expect(ring!.get('k1')!.equals(k1)).toBe(true);
    expect(ring!.get('k0')).toBeUndefined();
  });

  it('accepts URL-safe base64, missing padding, and the longest ids', () => {
    const key = Buffer.alloc(32, 0xfb);
    key[0] = 1;
    const id = 'A-z_9'.padEnd(32, 'x');
    const { ring } = parseKeyRing(`${id}:${key.toString('base64url')}`);
    expect(ring!.get(id)!.equals(key)).toBe(true);
    const unpadded = randomBytes(32);
    expect(
      parseKeyRing(`a:${unpadded.toString('base64').replace(/=+$/, '')}`)
        .ring!.get('a')!
        .equals(unpadded),
    ).toBe(true);
  });

  it.each([
    ['an empty entry', `k1:${b64()},,k2:${b64()}`, /entry 2 is empty/],
    ['a trailing comma', `k1:${b64()},`, /entry 2 is empty/],
    ['no colon', b64(), /entry 1 must look like id:base64key/],
    ['an empty id', `:${b64()}`, /entry 1: a key id is 1–32 characters/],
    ['an id of 33 characters', `${'k'.repeat(33)}:${b64()}`, /entry 1: a key id is 1–32 characters/],
    ['an id with a space', `my key:${b64()}`, /entry 1: a key id is 1–32 characters/],
    ['an id with a dot', `k.1:${b64()}`, /entry 1: a key id is 1–32 characters/],
    ['an empty key', 'k1:', /entry 1 \("k1"\): the key is not valid base64/],
    ['a key that is not base64', 'k1:not*base64!', /entry 1 \("k1"\): the key is not valid base64/],
    ['mixed base64 alphabets', `k1:${'+_'.repeat(21)}A=`, /entry 1 \("k1"\): the key is not valid base64/],
    ['a 16-byte key', `k1:${randomBytes(16).toString('base64')}`, /must decode to exactly 32 bytes, got 16/],
    ['a 33-byte key', `k1:${randomBytes(33).toString('base64')}`, /must decode to exactly 32 bytes, got 33/],
    ['a 64-byte key', `k1:${randomBytes(64).toString('base64')}`, /must decode to exactly 32 bytes, got 64/],
    ['a hex key', `k1:${randomBytes(32).toString('hex')}`, /must decode to exactly 32 bytes/],
    ['an all-zero placeholder', `k1:${Buffer.alloc(32).toString('base64')}`, /one byte repeated/],
    ['a duplicate id', `k1:${b64()},k1:${b64()}`, /entry 2: key id "k1" appears more than once/],
  ])('refuses %s', (_name, spec, message) => {
    expect(problemsOf(spec).join('\n')).toMatch(message);
  });

  it('lists every problem at once, and never echoes what might be key material', () => {
    const pasted = b64();
    const swapped = `${b64()}:k1`;
    const problems = problemsOf(`${pasted},${swapped},k3:short,k4:${b64()}`);
    expect(problems).toHaveLength(3);
    const text = problems.join('\n');
    expect(text).not.toContain(pasted);
    expect(text).not.toContain(swapped.slice(0, 20));
    expect(text).toContain('entry 3 ("k3")');
  });

  it('hides key material from JSON, util.inspect and string conversion', () => {
    const key = randomBytes(32);
    const ring = new KeyRing([{ id: 'k1', key }]);
    const seen = [JSON.stringify({ ring }), inspect(ring, { depth: 10, showHidden: true }), String(ring)].join('\n');
    expect(seen).not.toContain(key.toString('base64'));
    expect(seen).not.toContain(key.toString('hex'));
    expect(JSON.stringify(ring)).toBe('{"activeId":"k1","ids":["k1"]}');
  });

  it('formats an entry that parses back to the same key', () => {
    const key = randomBytes(32);
    const { ring } = parseKeyRing(formatKeyRingEntry({ id: 'k20261123-ab', key }));
    expect(ring!.get('k20261123-ab')!.equals(key)).toBe(true);
  });
});
