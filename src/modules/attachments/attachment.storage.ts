/**
 * Where attachment bytes live. The service hands a storage only ciphertext under random keys; a storage never
 * sees a user's file name or plaintext. LocalDiskStorage (DATA_DIR/attachments) is the embedded default; several
 * instances need a shared volume for it, or another driver behind this interface (an S3-compatible one is planned).
 */
export interface AttachmentStorage {
  /** Prepares the storage (creates folders, removes leftovers of interrupted writes). Called once at start. */
  initialise(): Promise<void>;
  /** Stores `data` under `key` atomically: after a failure nothing is left under `key` nor anywhere else. */
  put(key: string, data: Buffer): Promise<void>;
  /** The bytes stored under `key`; throws StoredFileMissingError when there are none. */
  get(key: string): Promise<Buffer>;
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Every stored key with its last modification time (for the orphan sweep). */
  list(): AsyncIterable<{ key: string; modifiedAt: number }>;
  /** A short description for logs. */
  describe(): string;
}

export class StoredFileMissingError extends Error {
  override name = 'StoredFileMissingError';
  constructor(key: string) {
    super(`attachment file ${key} is missing from the storage`);
  }
}

/** Storage keys are ours and random: 32 lower-case hex characters. Anything else is refused before it nears a path. */
export const STORAGE_KEY_PATTERN = /^[0-9a-f]{32}$/;

export function assertStorageKey(key: string): void {
  if (!STORAGE_KEY_PATTERN.test(key)) throw new Error('invalid storage key');
}
