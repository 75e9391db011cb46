import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoredFileMissingError } from './attachment.storage.js';
import { LocalDiskStorage } from './local-disk.storage.js';

const KEY = '0123456789abcdef0123456789abcdef';

describe('LocalDiskStorage', () => {
  let root: string;
  let storage: LocalDiskStorage;
  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'sc-storage-'));
    storage = new LocalDiskStorage(join(root, 'attachments'));
    await storage.initialise();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('stores, reads, lists and deletes by key; deleting twice is fine', async () => {
    await storage.put(KEY, Buffer.from('sealed bytes'));
    expect((await storage.get(KEY)).toString()).toBe('sealed bytes');
    const listed = [];
    for await (const entry of storage.list()) listed.push(entry.key);
    expect(listed).toEqual([KEY]);
    expect(readdirSync(storage.folder)).toEqual([KEY]);
    await storage.delete(KEY);
    await storage.delete(KEY);
    await expect(storage.get(KEY)).rejects.toBeInstanceOf(StoredFileMissingError);
  });

  it('refuses any key that is not one of ours before it nears a path', async () => {
    for (const key of ['../escape', '..', 'a/b', KEY.toUpperCase(), `${KEY}.png`, '']) {
      await expect(storage.put(key, Buffer.from('x'))).rejects.toThrow('invalid storage key');
      await expect(storage.get(key)).rejects.toThrow('invalid storage key');
    }
    expect(readdirSync(root)).toEqual(['attachments']);
    expect(readdirSync(storage.folder)).toEqual([]);
  });

  it('leaves nothing behind when a write fails (temporary file, then rename)', async () => {
    // A directory where the file should go makes the rename fail after the temporary file was written.
    mkdirSync(join(storage.folder, KEY));
    await expect(storage.put(KEY, Buffer.alloc(1024, 1))).rejects.toThrow();
    expect(readdirSync(storage.folder)).toEqual([KEY]);
  });

  it('removes stale temporary files of crashed writes at start, not fresh ones of another instance', async () => {
    const stale = join(storage.folder, '.tmp-stale');
    const fresh = join(storage.folder, '.tmp-fresh');
    writeFileSync(stale, 'x');
    writeFileSync(fresh, 'y');
    const hoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(stale, hoursAgo, hoursAgo);
    await new LocalDiskStorage(storage.folder).initialise();
    expect(readdirSync(storage.folder)).toEqual(['.tmp-fresh']);
  });
});
