import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  assertStorageKey,
  STORAGE_KEY_PATTERN,
  StoredFileMissingError,
  type AttachmentStorage,
} from './attachment.storage.js';

const TEMP_PREFIX = '.tmp-';
/** A temporary file this old belongs to a write that died (a live write takes well under a second). */
const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * Attachments as files in one folder (`DATA_DIR/attachments/<random key>`), written to a temporary file, flushed
 * to disk and renamed into place, so a crash or a failed write never leaves a partial file under a real key.
 * Files are created with mode 0600: they hold ciphertext, but nobody else needs to read them.
 */
export class LocalDiskStorage implements AttachmentStorage {
  constructor(readonly folder: string) {}

  async initialise(): Promise<void> {
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    await this.removeStaleTemporaryFiles(Date.now());
  }

  /**
   * Temporary files of writes interrupted by a crash were never renamed, so nothing refers to them. Only old ones
   * go: another instance sharing the volume may be writing a fresh one right now.
   */
  async removeStaleTemporaryFiles(now: number): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.folder)) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      const path = join(this.folder, name);
      try {
        if (now - (await stat(path)).mtimeMs < STALE_TEMP_MS) continue;
        await rm(path, { force: true });
        removed++;
      } catch {
        // Renamed or removed meanwhile.
      }
    }
    return removed;
  }

  private pathOf(key: string): string {
    assertStorageKey(key);
    return join(this.folder, key);
  }

  async put(key: string, data: Buffer): Promise<void> {
    const target = this.pathOf(key);
    const temp = join(this.folder, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StoredFileMissingError(key);
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  async *list(): AsyncIterable<{ key: string; modifiedAt: number }> {
    for (const name of await readdir(this.folder)) {
      if (!STORAGE_KEY_PATTERN.test(name)) continue;
      try {
        yield { key: name, modifiedAt: (await stat(join(this.folder, name))).mtimeMs };
      } catch {
        // Deleted meanwhile.
      }
    }
  }

  describe(): string {
    return `local disk ${this.folder}`;
  }
}
