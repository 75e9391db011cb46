import { randomBytes } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/database.js';
import { withLock } from '../../db/lock.js';
import type { Tx, UnitOfWork } from '../../db/transaction.js';
import type { MessageAttachmentItem } from '../../events/domain-events.js';
import {
  formatBytes,
  formatPixels,
  isPreviewable,
  type AttachmentLimits,
  type AttachmentView,
  type UploadFileError,
} from '../../shared/attachments.js';
import { AppError, type ErrorCode } from '../../shared/errors.js';
import { extensionOf, isAllowedFileExtension, sanitizeFileName } from '../../shared/file-name.js';
import type { ConversationRow } from '../conversations/conversation.repository.js';
import type { Principal, PublicPrincipal, StaffPrincipal } from '../identity/principal.js';
import type { KeyService } from '../keys/key.service.js';
import { DecryptionError } from '../keys/record-cipher.js';
import type { SettingsService } from '../settings/settings.service.js';
import {
  countUnreferenced,
  deleteUnreferencedBefore,
  deleteUnreferencedUpload,
  findAttachmentWithMessage,
  findExistingStorageKeys,
  findUploadedBy,
  insertAttachments,
  listAttachmentsOfMessages,
  listStorageKeysOfConversation,
  type AttachmentRow,
} from './attachment.repository.js';
import type { AttachmentStorage } from './attachment.storage.js';
import { detectFileKind } from './file-type.js';
import { imageDimensions } from './image-dimensions.js';

/** Associated data binding a file's ciphertext to its row (and conversation): a swapped file does not open. */
export const attachmentAad = (conversationId: string, attachmentId: string) => `att:${conversationId}:${attachmentId}`;
/** The same for the encrypted display name. */
export const attachmentNameAad = (conversationId: string, attachmentId: string) =>
  `att-name:${conversationId}:${attachmentId}`;

/** Uploads no message referenced are removed after this long. */
export const UNREFERENCED_TTL_MS = 60 * 60 * 1000;
/** How often the janitor looks (each run takes the database lease lock, so one instance works at a time). */
export const SWEEP_INTERVAL_MS = 5 * 60 * 1000;
/** The orphan scan lists the whole storage: hourly is plenty for files left by a crash. */
const ORPHAN_SCAN_INTERVAL_MS = 60 * 60 * 1000;
const SWEEP_BATCH = 500;
/** Unsent uploads a person may hold in one conversation, as a multiple of the files allowed per message. */
const PENDING_FACTOR = 5;
/** A file name longer than this (UTF-8 bytes, as sent) is refused: no real file system produces one. */
export const RAW_FILE_NAME_MAX_BYTES = 1024;
/** Placeholder for a name that cannot be decrypted (the rest of the message still reads). */
const UNREADABLE_NAME = 'unreadable-file';

/** One file of an upload request, as the HTTP layer hands it over. */
export interface IncomingFile {
  /** 0-based position in the request. */
  index: number;
  /** The file name as sent (untrusted). */
  fileName: string;
  /** Reads the whole file, refusing (AppError file_too_large) as soon as it exceeds `maxBytes`. */
  read(maxBytes: number): Promise<Buffer>;
}

/** Who uploaded a file: the same identity that authors the message it goes into. */
export interface Uploader {
  type: 'visitor' | 'customer' | 'staff';
  id: string;
}

export function uploaderOf(principal: PublicPrincipal | StaffPrincipal): Uploader {
  if (principal.kind === 'visitor') return { type: 'visitor', id: principal.visitorId };
  return { type: principal.kind, id: principal.userId };
}

/** Attachment metadata carried by `message.created` (the name still encrypted: the bus never carries plaintext). */
export type AttachmentEventItem = MessageAttachmentItem;

export function attachmentEventItems(rows: AttachmentRow[]): AttachmentEventItem[] {
  return sortForMessage(rows).map((r) => ({
    id: r.id,
    name: r.name.toString('base64'),
    size: r.size,
    mime: r.mime,
    isImage: r.isImage === 1,
  }));
}

function sortForMessage(rows: AttachmentRow[]): AttachmentRow[] {
  return [...rows].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Outbox topic: stored files of erased rows, deleted after the erasure committed (payload `{ keys }`). */
export const DELETE_FILES_TOPIC = 'attachments.delete-files';

/** A file ready to be sent, with the headers the download endpoints set. */
export interface OpenedAttachment {
  view: AttachmentView;
  bytes: Buffer;
  /** The `Content-Type` to send: the recognised type, except code and html, which are opaque downloads. */
  contentType: string;
}

/** Served as opaque bytes whatever they are: code and markup must never be interpreted by a browser. */
const OPAQUE_EXTENSIONS = new Set(['html', 'js', 'css', 'py']);

export interface AttachmentServiceDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  keys: KeyService;
  settings: SettingsService;
  storage: AttachmentStorage;
}

function fileError(code: ErrorCode, index: number, name: string, message?: string): AppError {
  const error = new AppError(code, message);
  const file: UploadFileError = { index, name, code, message: error.message };
  return new AppError(code, error.message, { files: [file] });
}

/** A name fit to echo back in an error (the raw one may hold anything). */
function displayableName(raw: string): string {
  const sanitised = sanitizeFileName(raw.slice(0, RAW_FILE_NAME_MAX_BYTES));
  return sanitised.ok ? sanitised.name : '';
}

/**
 * Attachments: the upload rules (names, types by extension and content, sizes, counts), encryption at rest
 * (bytes and names under the conversation's data key), storage under random keys, downloads for whoever may
 * read the file's conversation, and the removal of files nobody sent or whose conversation is gone.
 */
export class AttachmentService {
  private lastOrphanScan = 0;

  constructor(private readonly deps: AttachmentServiceDeps) {}

  limits(): AttachmentLimits {
    const s = this.deps.settings;
    return {
      maxFileBytes: s.get('attachments.maxFileBytes'),
      maxMessageBytes: s.get('attachments.maxMessageBytes'),
      maxFiles: s.get('attachments.maxFiles'),
      allowedExtensions: [...s.get('attachments.allowedExtensions')],
      maxImagePixels: s.get('attachments.maxImagePixels'),
    };
  }

  // Uploading

  /**
   * Stores the files of one upload request, all or nothing, in `conversation` (which the caller checked this
   * principal may write to). Each file is checked (name, extension, size, content) with only that file in memory,
   * bounded by the per-file limit; its name and bytes are encrypted with the conversation's key before anything
   * touches the disk. A refusal names the file in `details.files`; files already stored by this request are
   * removed again, so a refused request leaves nothing behind.
   */
  async upload(
    principal: PublicPrincipal | StaffPrincipal,
    conversation: ConversationRow,
    files: AsyncIterable<IncomingFile>,
  ): Promise<AttachmentView[]> {
    const limits = this.limits();
    const uploader = uploaderOf(principal);
    const pending = await countUnreferenced(this.deps.db, conversation.id, uploader.id);
    const stored: { row: AttachmentRow; view: AttachmentView }[] = [];
    let total = 0;
    try {
      for await (const file of files) {
        if (file.index >= limits.maxFiles) {
          throw fileError(
            'too_many_files',
            file.index,
            displayableName(file.fileName),
            `At most ${limits.maxFiles} files can be sent at once.`,
          );
        }
        if (pending + file.index >= limits.maxFiles * PENDING_FACTOR) {
          throw fileError(
            'too_many_files',
            file.index,
            displayableName(file.fileName),
            'Too many files are waiting to be sent in this conversation; send or remove some first.',
          );
        }
        const name = this.checkName(file);
        const extension = extensionOf(name);
        const allowed = limits.allowedExtensions;
        // Refused before a byte of content is read.
        if (!isAllowedFileExtension(extension) || !allowed.includes(extension)) {
          const message =
            extension === ''
              ? 'Files without an extension are not accepted.'
              : `Files of type .${extension} are not accepted.`;
          throw fileError('file_type_not_allowed', file.index, name, message);
        }
        let bytes: Buffer;
        try {
          bytes = await file.read(limits.maxFileBytes);
        } catch (err) {
          if (err instanceof AppError && err.code === 'file_too_large') {
            throw fileError(
              'file_too_large',
              file.index,
              name,
              `Files are limited to ${formatBytes(limits.maxFileBytes)}.`,
            );
          }
          throw err;
        }
        total += bytes.length;
        if (total > limits.maxMessageBytes) {
          throw fileError(
            'message_too_large',
            file.index,
            name,
            `The files of one message are limited to ${formatBytes(limits.maxMessageBytes)} together.`,
          );
        }
        // The whole file: legacy Office directories and zip entry lists can lie anywhere in it.
        const kind = detectFileKind(bytes, extension, { allowed, complete: true });
        if (!kind.ok) throw fileError(kind.code, file.index, name, kind.message);
        if (kind.isImage) this.checkImageSize(bytes, file.index, name, limits.maxImagePixels);
        stored.push(await this.seal(conversation.id, uploader, name, kind, bytes));
      }
      if (stored.length === 0) throw new AppError('no_files');
      await insertAttachments(
        this.deps.db,
        stored.map((s) => s.row),
      );
    } catch (err) {
      await this.deleteStoredFiles(stored.map((s) => s.row.storageKey));
      throw err;
    }
    return stored.map((s) => s.view);
  }

  /** Refuses an image whose header declares no size, or more pixels than browsers should be asked to decode. */
  private checkImageSize(bytes: Buffer, index: number, name: string, maxPixels: number): void {
    const size = imageDimensions(bytes);
    if (!size) throw fileError('file_type_mismatch', index, name, 'This image’s size cannot be read.');
    if (size.width * size.height > maxPixels) {
      throw fileError(
        'image_too_large',
        index,
        name,
        `This image is ${size.width.toLocaleString('en-US')} × ${size.height.toLocaleString('en-US')} pixels; ` +
          `images are limited to ${formatPixels(maxPixels)}.`,
      );
    }
  }

  private checkName(file: IncomingFile): string {
    const raw = file.fileName;
    if (Buffer.byteLength(raw, 'utf8') > RAW_FILE_NAME_MAX_BYTES) {
      throw fileError('file_name_invalid', file.index, displayableName(raw), 'This file name is too long.');
    }
    // NUL and other C0 controls never occur in a real file name: someone is probing.
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(raw)) {
      throw fileError(
        'file_name_invalid',
        file.index,
        displayableName(raw),
        'This file name holds control characters.',
      );
    }
    const sanitised = sanitizeFileName(raw);
    if (!sanitised.ok) throw fileError('file_name_invalid', file.index, '', sanitised.message);
    return sanitised.name;
  }

  private async seal(
    conversationId: string,
    uploader: Uploader,
    name: string,
    kind: { extension: string; mime: string; isImage: boolean },
    bytes: Buffer,
  ): Promise<{ row: AttachmentRow; view: AttachmentView }> {
    const id = newId();
    const { keys, storage } = this.deps;
    const sealed = await keys.encryptFor(conversationId, bytes, attachmentAad(conversationId, id));
    const row: AttachmentRow = {
      id,
      conversationId,
      messageId: null,
      uploaderType: uploader.type,
      uploaderId: uploader.id,
      name: await keys.encryptFor(conversationId, name, attachmentNameAad(conversationId, id)),
      extension: kind.extension,
      mime: kind.mime,
      size: bytes.length,
      isImage: kind.isImage ? 1 : 0,
      fingerprint: await keys.fingerprint(conversationId, bytes),
      // Random and unrelated to the attachment id or the user's name: the storage learns nothing from it.
      storageKey: randomBytes(16).toString('hex'),
      createdAt: this.deps.clock.now(),
    };
    await storage.put(row.storageKey, sealed);
    return { row, view: { id, name, size: row.size, mime: row.mime, isImage: kind.isImage } };
  }

  /** Removes one of my uploads that no message references yet (the composer's "remove"). */
  async removeUpload(principal: PublicPrincipal | StaffPrincipal, conversationId: string, id: string): Promise<void> {
    const key = await deleteUnreferencedUpload(this.deps.db, conversationId, uploaderOf(principal).id, id);
    if (key === undefined) throw new AppError('not_found');
    await this.deleteStoredFiles([key]);
  }

  // Messages

  /**
   * Checks the files a message wants to carry before it is queued: every id names an upload of this author in
   * this conversation (else not_found, the same as a foreign id), at most `maxFiles`, at most `maxMessageBytes`
   * together. Whether a file is still unsent is settled by the claim inside the writer's transaction.
   */
  async checkReferences(conversationId: string, uploader: Uploader, ids: readonly string[]): Promise<AttachmentRow[]> {
    if (ids.length === 0) return [];
    const limits = this.limits();
    if (new Set(ids).size !== ids.length) {
      throw new AppError('validation_failed', undefined, {
        fields: [{ path: 'attachmentIds', message: 'lists the same file twice' }],
      });
    }
    if (ids.length > limits.maxFiles) {
      throw new AppError('too_many_files', `At most ${limits.maxFiles} files can be sent in one message.`);
    }
    const rows = await findUploadedBy(this.deps.db, conversationId, uploader.id, [...ids]);
    if (rows.length !== ids.length || rows.some((r) => r.uploaderType !== uploader.type)) {
      throw new AppError('not_found', 'One of these files does not exist (or has expired); attach it again.');
    }
    const total = rows.reduce((n, r) => n + r.size, 0);
    if (total > limits.maxMessageBytes) {
      throw new AppError(
        'message_too_large',
        `The files of one message are limited to ${formatBytes(limits.maxMessageBytes)} together.`,
      );
    }
    return rows;
  }

  /** Decrypted views of rows, in the order a message shows them. */
  async viewsOf(rows: AttachmentRow[]): Promise<AttachmentView[]> {
    const out: AttachmentView[] = [];
    for (const row of sortForMessage(rows)) {
      out.push({
        id: row.id,
        name: await this.decryptName(row.conversationId, row.id, row.name),
        size: row.size,
        mime: row.mime,
        isImage: row.isImage === 1,
      });
    }
    return out;
  }

  /** The attachments of these messages, decrypted, by message id. */
  async viewsByMessage(db: Db | Tx, messageIds: string[]): Promise<Map<string, AttachmentView[]>> {
    const byMessage = new Map<string, AttachmentRow[]>();
    for (const row of await listAttachmentsOfMessages(db, messageIds)) {
      const list = byMessage.get(row.messageId!) ?? [];
      list.push(row);
      byMessage.set(row.messageId!, list);
    }
    const out = new Map<string, AttachmentView[]>();
    for (const [messageId, rows] of byMessage) out.set(messageId, await this.viewsOf(rows));
    return out;
  }

  /** Views from a `message.created` event's metadata (names decrypted here, once per instance). */
  async viewsFromEvent(conversationId: string, items: AttachmentEventItem[]): Promise<AttachmentView[]> {
    const out: AttachmentView[] = [];
    for (const item of items) {
      out.push({
        ...item,
        name: await this.decryptName(conversationId, item.id, Buffer.from(item.name, 'base64')),
      });
    }
    return out;
  }

  private async decryptName(conversationId: string, id: string, sealed: Buffer): Promise<string> {
    try {
      return (await this.deps.keys.decryptFor(conversationId, sealed, attachmentNameAad(conversationId, id))).toString(
        'utf8',
      );
    } catch (err) {
      if (err instanceof DecryptionError) return UNREADABLE_NAME;
      throw err;
    }
  }

  // Downloading

  /**
   * A file of `conversation` (which the caller checked this principal may read), decrypted. Visitors and
   * customers see files of messages they can see (never of a private note); an upload not sent yet is visible to
   * its uploader only. Everything else is not_found, exactly like a missing id.
   */
  async open(principal: Principal, conversation: ConversationRow, id: string): Promise<OpenedAttachment> {
    const found =
      typeof id === 'string' && id.length <= 64
        ? await findAttachmentWithMessage(this.deps.db, conversation.id, id)
        : undefined;
    if (!found) throw new AppError('not_found');
    const { row, messagePublicSeq } = found;
    if (row.messageId === null) {
      // Not sent yet: only its uploader sees it (the composer's preview).
      const me = uploaderOf(principal);
      if (me.id !== row.uploaderId || me.type !== row.uploaderType) throw new AppError('not_found');
    } else if (principal.kind !== 'staff' && messagePublicSeq === null) {
      throw new AppError('not_found');
    }
    const sealed = await this.deps.storage.get(row.storageKey);
    const bytes = await this.deps.keys.decryptFor(conversation.id, sealed, attachmentAad(conversation.id, row.id));
    const [view] = await this.viewsOf([row]);
    return {
      view: view!,
      bytes,
      contentType: OPAQUE_EXTENSIONS.has(row.extension) ? 'application/octet-stream' : row.mime,
    };
  }

  /**
   * Whether a file may be served inline as a preview: a safe raster image under the byte cap whose header declares
   * no more pixels than the current limit (an image stored before the limit, or under a higher one, downloads).
   */
  isPreviewable(opened: OpenedAttachment): boolean {
    if (!isPreviewable(opened.view)) return false;
    const size = imageDimensions(opened.bytes);
    return size !== undefined && size.width * size.height <= this.deps.settings.get('attachments.maxImagePixels');
  }

  // Removal

  /**
   * Called inside ConversationService.erase's transaction: the stored files are deleted once it has committed (the
   * rows are gone with their conversation, and the key is shredded), by the outbox (topic DELETE_FILES_TOPIC).
   */
  async deleteFilesAfterErase(uow: UnitOfWork, conversationId: string): Promise<void> {
    const keys = await listStorageKeysOfConversation(uow.trx, conversationId);
    if (keys.length > 0) await uow.enqueue({ topic: DELETE_FILES_TOPIC, payload: { keys } });
  }

  /** Deletes stored files; failures are logged (the orphan sweep retries them), never thrown. */
  async deleteStoredFiles(keys: string[]): Promise<void> {
    for (const key of keys) {
      try {
        await this.deps.storage.delete(key);
      } catch (err) {
        this.deps.logger.error(
          { err: { message: (err as Error).message }, storageKey: key },
          'could not delete an attachment file',
        );
      }
    }
  }

  /**
   * Removes uploads no message referenced within an hour, then (hourly, or when `scanOrphans` is true) stored
   * files without a row that are older than that (left by a crash between a commit and the file deletion after
   * it). Under the database lease lock, so one instance sweeps at a time.
   */
  async sweep(
    options: { scanOrphans?: boolean } = {},
  ): Promise<{ ran: boolean; unreferenced: number; orphans: number }> {
    const { db, clock, storage } = this.deps;
    const scanOrphans = options.scanOrphans ?? Date.now() - this.lastOrphanScan >= ORPHAN_SCAN_INTERVAL_MS;
    const result = await withLock(db, clock, 'attachments.sweep', 10 * 60 * 1000, async () => {
      const cutoff = clock.now() - UNREFERENCED_TTL_MS;
      let unreferenced = 0;
      for (;;) {
        const keys = await deleteUnreferencedBefore(db, cutoff, SWEEP_BATCH);
        await this.deleteStoredFiles(keys);
        unreferenced += keys.length;
        if (keys.length < SWEEP_BATCH) break;
      }
      let orphans = 0;
      if (!scanOrphans) return { unreferenced, orphans };
      this.lastOrphanScan = Date.now();
      let batch: string[] = [];
      const flush = async () => {
        const existing = await findExistingStorageKeys(db, batch);
        const gone = batch.filter((k) => !existing.has(k));
        await this.deleteStoredFiles(gone);
        orphans += gone.length;
        batch = [];
      };
      // Files are written before their row: a young file without a row may be an upload in progress.
      const orphanCutoff = Date.now() - UNREFERENCED_TTL_MS;
      for await (const { key, modifiedAt } of storage.list()) {
        if (modifiedAt >= orphanCutoff) continue;
        batch.push(key);
        if (batch.length >= SWEEP_BATCH) await flush();
      }
      if (batch.length > 0) await flush();
      return { unreferenced, orphans };
    });
    if (!result.ran) return { ran: false, unreferenced: 0, orphans: 0 };
    if (result.value.unreferenced + result.value.orphans > 0) {
      this.deps.logger.info(result.value, 'removed attachments never sent and orphaned files');
    }
    return { ran: true, ...result.value };
  }
}
