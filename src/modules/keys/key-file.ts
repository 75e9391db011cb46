/**
 * The embedded default's master key file, `DATA_DIR/encryption.key`: one key ring entry per line (the same
 * `id:base64` form as ENCRYPTION_KEYS, first line active), `#` comments allowed, mode 0600.
 * Only the key service decides when a file may be created (never when the database already holds wrapped keys).
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { KeyRing } from './key-ring.js';
import { EncryptionKeyError, formatKeyRingEntry, MASTER_KEY_BYTES, parseKeyRing } from './key-ring.js';

export const KEY_FILE_NAME = 'encryption.key';

export function keyFilePath(dataDir: string): string {
  return join(dataDir, KEY_FILE_NAME);
}

export interface LoadedKeyFile {
  ring: KeyRing;
  /** True when group or others may read or write the file (it should be 0600). */
  isExposed: boolean;
}

/** Reads the key file; undefined when it does not exist. Throws EncryptionKeyError when it is unusable. */
export function readKeyFile(path: string): LoadedKeyFile | undefined {
  let text: string;
  let mode: number;
  try {
    text = readFileSync(path, 'utf8');
    mode = statSync(path).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EncryptionKeyError(`cannot read the key file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new EncryptionKeyError(`the key file ${path} holds no key`);
  const parsed = parseKeyRing(lines.join(','));
  if (!parsed.ring) throw new EncryptionKeyError(`the key file ${path} is not valid: ${parsed.problems.join('; ')}`);
  return { ring: parsed.ring, isExposed: (mode & 0o077) !== 0 };
}

/** A fresh master key with an id such as `k20261123-1a2b3c4d` (date for people, random part against collisions). */
export function generateMasterKey(now: Date): { id: string; key: Buffer } {
  const date = now.toISOString().slice(0, 10).replaceAll('-', '');
  return { id: `k${date}-${randomBytes(4).toString('hex')}`, key: randomBytes(MASTER_KEY_BYTES) };
}

/**
 * Creates the key file with a new key, atomically: written in full to a private temporary file, then linked
 * into place, which fails if the file appeared meanwhile (two processes starting on one data directory).
 * Returns the ring now in the file and whether this call created it.
 */
export function createKeyFile(path: string, now: Date): { ring: KeyRing; created: boolean } {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = generateMasterKey(now);
  const content =
    `# Support Central master encryption key, generated ${now.toISOString()}.\n` +
    '# Back this file up with the database: without it, encrypted content cannot be recovered.\n' +
    '# To configure it explicitly, set ENCRYPTION_KEYS to the line below.\n' +
    `${formatKeyRingEntry(key)}\n`;
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    chmodSync(temporary, 0o600); // whatever the umask
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  let created = true;
  try {
    linkSync(temporary, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') created = false;
    else throw new EncryptionKeyError(`cannot create the key file ${path}: ${code ?? 'error'}`);
  } finally {
    unlinkSync(temporary);
  }
  if (created) syncDirectory(dirname(path));
  const loaded = readKeyFile(path);
  if (!loaded) throw new EncryptionKeyError(`the key file ${path} vanished while it was being created`);
  return { ring: loaded.ring, created };
}

function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every platform can fsync a directory; the file itself is already synced.
  }
}
