import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKeyFile, keyFilePath, readKeyFile } from './key-file.js';
import { EncryptionKeyError } from './key-ring.js';

const dir = () => mkdtempSync(join(tmpdir(), 'sc-keyfile-'));
const now = new Date(Date.UTC(2026, 10, 23, 2, 0, 0));

describe('key file', () => {
  it('is created with mode 0600 (directory included), one dated key, and reads back the same ring', () => {
    const path = keyFilePath(join(dir(), 'nested', 'data'));
    const { ring, created } = createKeyFile(path, now);
    expect(created).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(ring.activeId).toMatch(/^k20261123-[0-9a-f]{8}$/);
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^# Support Central master encryption key/);
    expect(text).toContain('Back this file up');
    const loaded = readKeyFile(path)!;
    expect(loaded.isExposed).toBe(false);
    expect(loaded.ring.activeKey.equals(ring.activeKey)).toBe(true);
    // No temporary file is left behind.
    expect(readdirSync(join(path, '..'))).toEqual(['encryption.key']);
  });

  it('never overwrites an existing file: a second creation returns the key already there', () => {
    const path = keyFilePath(dir());
    const first = createKeyFile(path, now);
    const second = createKeyFile(path, now);
    expect(second.created).toBe(false);
    expect(second.ring.activeId).toBe(first.ring.activeId);
    expect(second.ring.activeKey.equals(first.ring.activeKey)).toBe(true);
  });

  it('reads nothing when absent, flags a file others may read, and refuses an invalid one', () => {
    const d = dir();
    expect(readKeyFile(keyFilePath(d))).toBeUndefined();
    const path = keyFilePath(d);
    createKeyFile(path, now);
    chmodSync(path, 0o644);
    expect(readKeyFile(path)!.isExposed).toBe(true);

    writeFileSync(path, '# only a comment\n');
    expect(() => readKeyFile(path)).toThrow(/holds no key/);
    writeFileSync(path, 'k1:tooshort\n');
    expect(() => readKeyFile(path)).toThrow(EncryptionKeyError);
    expect(() => readKeyFile(path)).toThrow(/is not valid: entry 1 \("k1"\)/);
  });
});
