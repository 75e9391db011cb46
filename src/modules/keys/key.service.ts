import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { Config } from '../../config/config.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { LruCache } from '../../core/lru-cache.js';
import type { Db } from '../../db/database.js';
import type { Tx, UnitOfWork } from '../../db/transaction.js';
import { domainEvent } from '../../events/domain-events.js';
import type { EventBus } from '../../events/event-bus.js';
import { createKeyFile, keyFilePath, readKeyFile } from './key-file.js';
import { EncryptionKeyError, type KeyRing } from './key-ring.js';
import {
  countKeysUnder,
  deleteConversationKey,
  findConversationKey,
  findKeyBatch,
  findMasterKeyIdsInUse,
  findSampleKeys,
  insertConversationKey,
  rewrapConversationKey,
  type ConversationKeyRow,
} from './key.repository.js';
import { DecryptionError, KEY_BYTES, openRecord, recordKeyId, sealRecord } from './record-cipher.js';

/** The key id written into records sealed with a conversation's data key (data keys do not rotate themselves). */
export const DATA_KEY_ID = 'dk1';
const FINGERPRINT_INFO = 'support-central/fingerprint/v1';
const DEFAULT_CACHE_SIZE = 10_000;
/** Rows tried per master key id at start; one that opens proves the configured key is the right one. */
const START_CHECK_SAMPLES = 3;

export interface KeyServiceDeps {
  config: Config;
  db: Db;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
}

/** The conversation has no data key: it never existed, or it was erased (its key shredded). */
export class MissingDataKeyError extends Error {
  override name = 'MissingDataKeyError';
  constructor(conversationId: string) {
    super(`conversation ${conversationId} has no data key (erased, or never created)`);
  }
}

/** A conversation's unwrapped keys, kept only in memory. */
interface ConversationKeys {
  dataKey: Buffer;
  /** HKDF subkey for HMAC fingerprints: the AES key itself is never used for anything else. */
  fingerprintKey: Buffer;
}

export interface RotationProgress {
  /** The master key everything is being re-wrapped under. */
  activeKeyId: string;
  /** Data keys that were under another master key when the run started. */
  total: number;
  rewrapped: number;
  /** Changed by someone else between read and write (shredded, or re-wrapped by a concurrent run). */
  skipped: number;
  /** Could not be unwrapped (tampered); left as they are and logged. */
  failed: number;
}

export interface RotationResult extends RotationProgress {
  /** Data keys already under the active master key when the run started. */
  alreadyCurrent: number;
}

export interface RotateOptions {
  batchSize?: number;
  onProgress?: (progress: RotationProgress) => void;
  /** Checked before each batch: an aborted run stops between batches, every committed batch stays done. */
  signal?: AbortSignal;
}

/**
 * Encryption at rest (envelope encryption). Each conversation has a random data key, stored wrapped under the
 * active master key of the ring; content records are sealed with the data key and bound to their row by
 * associated data. Deleting the wrapped key (shred) makes the conversation's content unrecoverable.
 * Unwrapped data keys live in a bounded LRU, dropped on every instance when a key is shredded.
 */
export class KeyService {
  private ring: KeyRing | undefined;
  private readonly cache: LruCache<string, ConversationKeys>;
  private readonly loading = new Map<string, Promise<ConversationKeys | undefined>>();
  /** Bumped on every eviction, so a load that started before a shred never puts the key back in the cache. */
  private generation = 0;

  constructor(
    private readonly deps: KeyServiceDeps,
    options: { cacheSize?: number } = {},
  ) {
    this.cache = new LruCache(options.cacheSize ?? DEFAULT_CACHE_SIZE);
    deps.bus.on('conversationKey.shredded', ({ conversationId }) => this.forget(conversationId));
    // Shred events from other instances may have been lost while Redis was away.
    deps.bus.onResync(() => this.forgetAll());
  }

  /**
   * Loads the master key ring at start and checks it against the database, before anything is served:
   * ENCRYPTION_KEYS if set; otherwise the key file in DATA_DIR, generated on first start only when the database
   * holds no wrapped keys. Refuses (EncryptionKeyError) when the database holds keys under a master key id the
   * ring lacks, or when a configured key does not open the keys stored under its id.
   */
  async initialise(): Promise<void> {
    const { config, db, logger, clock } = this.deps;
    const inUse = await findMasterKeyIdsInUse(db);
    const file = keyFilePath(config.dataDir);
    let ring: KeyRing;
    let source: string;
    if (config.encryptionKeys !== undefined) {
      ring = config.encryptionKeys;
      source = 'ENCRYPTION_KEYS';
    } else {
      source = `the key file ${file}`;
      const loaded = readKeyFile(file);
      if (loaded) {
        ring = loaded.ring;
        if (loaded.isExposed) logger.warn({ file }, 'the key file is readable by other users: chmod 600 it');
      } else if (inUse.length > 0) {
        throw new EncryptionKeyError(
          `encryption keys are missing for existing data: the database holds data keys wrapped under master key ` +
            `${inUse.map((id) => `"${id}"`).join(', ')}, but ENCRYPTION_KEYS is not set and ${file} does not exist. ` +
            'Restore the key file or set ENCRYPTION_KEYS; no new key is generated for a database that holds encrypted data',
        );
      } else {
        const created = createKeyFile(file, new Date(clock.now()));
        ring = created.ring;
        if (created.created) {
          logger.warn(
            { file, keyId: ring.activeId },
            `generated a new master encryption key in ${file}: back this file up together with the database ` +
              '(without it, encrypted content cannot be recovered), or set ENCRYPTION_KEYS to manage keys yourself',
          );
        }
      }
    }

    const missing = inUse.filter((id) => !ring.has(id));
    if (missing.length > 0) {
      throw new EncryptionKeyError(
        `encryption keys are missing for existing data: the database holds data keys wrapped under master key ` +
          `${missing.map((id) => `"${id}"`).join(', ')}, which ${source} does not contain. ` +
          `Add ${missing.length === 1 ? 'it' : 'them'} after the active key "${ring.activeId}"`,
      );
    }
    for (const id of inUse) {
      const samples = await findSampleKeys(db, id, START_CHECK_SAMPLES);
      if (samples.length > 0 && !samples.some((row) => this.canUnwrap(ring, row))) {
        throw new EncryptionKeyError(
          `master key "${id}" in ${source} does not open the data keys stored under that id: it is not the key ` +
            'they were wrapped with (or those rows were tampered with)',
        );
      }
    }
    this.ring = ring;
    logger.info(
      { activeKeyId: ring.activeId, keyIds: ring.ids, source: config.encryptionKeys ? 'environment' : 'key-file' },
      'encryption keys loaded',
    );
    if (config.encryptionKeys === undefined && config.redis !== undefined) {
      logger.warn('REDIS_URL is set (several instances?) but keys come from a local key file: set ENCRYPTION_KEYS');
    }
  }

  /** The id of the master key new data keys are wrapped under. */
  get activeKeyId(): string {
    return this.requireRing().activeId;
  }

  /**
   * Creates the conversation's random data key, wrapped under the active master key, inside the caller's
   * transaction. The key is cached at once so the same transaction can encrypt the first message without a
   * second connection (a rolled-back creation only leaves an unused key in memory).
   */
  async createDataKey(trx: Tx, conversationId: string): Promise<void> {
    const ring = this.requireRing();
    const dataKey = randomBytes(KEY_BYTES);
    const inserted = await insertConversationKey(trx, {
      conversationId,
      masterKeyId: ring.activeId,
      wrappedKey: wrap(ring, conversationId, dataKey),
      createdAt: this.deps.clock.now(),
      rotatedAt: null,
    });
    if (!inserted) throw new Error(`conversation ${conversationId} already has a data key`);
    this.cache.set(conversationId, deriveKeys(dataKey));
  }

  /** Seals `plaintext` with the conversation's data key, bound to `aad` (e.g. `msg:<conversationId>:<messageId>`). */
  async encryptFor(conversationId: string, plaintext: Buffer | string, aad: string): Promise<Buffer> {
    const keys = await this.keysFor(conversationId);
    if (!keys) throw new MissingDataKeyError(conversationId);
    return sealRecord(keys.dataKey, DATA_KEY_ID, plaintext, aad);
  }

  /** Opens a record sealed by `encryptFor` with the same `aad`; fails closed with a DecryptionError, logged. */
  async decryptFor(conversationId: string, record: Buffer, aad: string): Promise<Buffer> {
    const keys = await this.keysFor(conversationId);
    if (!keys) {
      this.deps.logger.warn({ conversationId, reason: 'unknown_key' }, 'no data key for this conversation (erased?)');
      throw new DecryptionError('unknown_key');
    }
    try {
      return openRecord((id) => (id === DATA_KEY_ID ? keys.dataKey : undefined), record, aad);
    } catch (err) {
      if (err instanceof DecryptionError) {
        this.deps.logger.error(
          { conversationId, reason: err.reason },
          'stored record failed to decrypt (tampered, moved from another row, or unknown key id)',
        );
      }
      throw err;
    }
  }

  /** HMAC-SHA256 of `bytes` (hex) under a subkey of the conversation's data key: file fingerprints, never plain hashes. */
  async fingerprint(conversationId: string, bytes: Buffer | string): Promise<string> {
    const keys = await this.keysFor(conversationId);
    if (!keys) throw new MissingDataKeyError(conversationId);
    return createHmac('sha256', keys.fingerprintKey).update(bytes).digest('hex');
  }

  /**
   * Deletes the conversation's data key in the caller's transaction: its content becomes unrecoverable.
   * Every instance drops its cached copy once the transaction has committed. True when a key was deleted.
   */
  async shred(uow: UnitOfWork, conversationId: string): Promise<boolean> {
    const deleted = await deleteConversationKey(uow.trx, conversationId);
    uow.emit(domainEvent('conversationKey.shredded', { conversationId }));
    return deleted;
  }

  /**
   * Re-wraps every data key held under another master key under the active one, batch by batch, each batch in
   * its own short transaction guarded by `master_key_id = old`. Resumable (an interrupted run leaves every key
   * readable; rerun it) and idempotent (a second run changes nothing). Content records are not touched.
   */
  async rotate(options: RotateOptions = {}): Promise<RotationResult> {
    const { db, logger, clock } = this.deps;
    const ring = this.requireRing();
    const batchSize = options.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
    const active = ring.activeId;
    const inUse = await findMasterKeyIdsInUse(db);
    const old = inUse.filter((id) => id !== active);
    const missing = old.filter((id) => !ring.has(id));
    if (missing.length > 0) {
      throw new EncryptionKeyError(
        `cannot re-wrap data keys held under master key ${missing.map((id) => `"${id}"`).join(', ')}: ` +
          'add it to ENCRYPTION_KEYS after the active key',
      );
    }
    const alreadyCurrent = inUse.includes(active) ? await countKeysUnder(db, [active]) : 0;
    const progress: RotationProgress = {
      activeKeyId: active,
      total: await countKeysUnder(db, old),
      rewrapped: 0,
      skipped: 0,
      failed: 0,
    };
    for (const from of old) {
      let cursor: string | undefined;
      for (;;) {
        options.signal?.throwIfAborted();
        const rows = await findKeyBatch(db, from, cursor, batchSize);
        if (rows.length === 0) break;
        cursor = rows.at(-1)!.conversationId;
        const at = clock.now();
        const changes: Parameters<typeof rewrapConversationKey>[1][] = [];
        for (const row of rows) {
          let dataKey: Buffer;
          try {
            dataKey = unwrap(ring, row);
          } catch (err) {
            if (!(err instanceof DecryptionError)) throw err;
            progress.failed++;
            logger.error(
              { conversationId: row.conversationId, reason: err.reason },
              'data key failed to unwrap during rotation; left as it is',
            );
            continue;
          }
          const wrappedKey = wrap(ring, row.conversationId, dataKey);
          changes.push({
            conversationId: row.conversationId,
            fromMasterKeyId: from,
            toMasterKeyId: active,
            wrappedKey,
            at,
          });
        }
        // Crypto happens before the transaction: inside it only the guarded updates run.
        const changed =
          changes.length === 0
            ? 0
            : await db.transaction().execute(async (trx) => {
                let n = 0;
                for (const change of changes) if (await rewrapConversationKey(trx, change)) n++;
                return n;
              });
        progress.rewrapped += changed;
        progress.skipped += changes.length - changed;
        options.onProgress?.({ ...progress });
      }
    }
    logger.info({ ...progress, alreadyCurrent }, 'data key rotation finished');
    return { ...progress, alreadyCurrent };
  }

  private requireRing(): KeyRing {
    if (!this.ring) throw new Error('KeyService used before initialise()');
    return this.ring;
  }

  /** The conversation's keys from the cache or the database; undefined when it has none. Concurrent misses share one load. */
  private keysFor(conversationId: string): Promise<ConversationKeys | undefined> {
    const cached = this.cache.get(conversationId);
    if (cached) return Promise.resolve(cached);
    const pending = this.loading.get(conversationId);
    if (pending) return pending;
    const generation = this.generation;
    const load = this.load(conversationId)
      .then((keys) => {
        if (keys && this.generation === generation) this.cache.set(conversationId, keys);
        return keys;
      })
      .finally(() => {
        if (this.loading.get(conversationId) === load) this.loading.delete(conversationId);
      });
    this.loading.set(conversationId, load);
    return load;
  }

  private async load(conversationId: string): Promise<ConversationKeys | undefined> {
    const ring = this.requireRing();
    const row = await findConversationKey(this.deps.db, conversationId);
    if (!row) return undefined;
    try {
      return deriveKeys(unwrap(ring, row));
    } catch (err) {
      if (err instanceof DecryptionError) {
        this.deps.logger.error(
          { conversationId, reason: err.reason },
          'data key failed to unwrap (tampered, or moved from another row)',
        );
      }
      throw err;
    }
  }

  private canUnwrap(ring: KeyRing, row: ConversationKeyRow): boolean {
    try {
      unwrap(ring, row);
      return true;
    } catch {
      return false;
    }
  }

  private forget(conversationId: string): void {
    this.generation++;
    this.cache.delete(conversationId);
    this.loading.delete(conversationId);
  }

  private forgetAll(): void {
    this.generation++;
    this.cache.clear();
    this.loading.clear();
  }
}

function wrapAad(conversationId: string): string {
  return `dk:${conversationId}`;
}

function wrap(ring: KeyRing, conversationId: string, dataKey: Buffer): Buffer {
  return sealRecord(ring.activeKey, ring.activeId, dataKey, wrapAad(conversationId));
}

/** Unwraps a stored data key; a header naming another master key than the row's column counts as tampering. */
function unwrap(ring: KeyRing, row: ConversationKeyRow): Buffer {
  if (recordKeyId(row.wrappedKey) !== row.masterKeyId) throw new DecryptionError('tampered');
  const dataKey = openRecord((id) => ring.get(id), row.wrappedKey, wrapAad(row.conversationId));
  if (dataKey.length !== KEY_BYTES) throw new DecryptionError('malformed');
  return dataKey;
}

function deriveKeys(dataKey: Buffer): ConversationKeys {
  const fingerprintKey = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), FINGERPRINT_INFO, 32));
  return { dataKey, fingerprintKey };
}
