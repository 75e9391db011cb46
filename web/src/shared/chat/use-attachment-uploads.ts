import { useCallback, useEffect, useRef, useState } from 'react';
import { formatBytes, type AttachmentLimits, type AttachmentView } from '../../../../src/shared/attachments.js';
import { extensionOf, sanitizeFileName } from '../../../../src/shared/file-name.js';
import { api } from '../api.js';
import { uploadFile, type FileProblem, type UploadHandle } from './upload-client.js';

/** One file in a composer: checked here first, then uploaded (with progress), then sent with a message. */
export interface PendingUpload {
  key: string;
  file: File;
  /** The name as it will be shown (sanitised the way the server does). */
  name: string;
  size: number;
  /** A local object URL for image thumbnails before the upload finished (blob: is allowed by our CSP). */
  previewUrl?: string;
  status: 'queued' | 'uploading' | 'done' | 'error';
  /** 0…1 while uploading. */
  progress: number;
  attachment?: AttachmentView;
  error?: FileProblem;
}

const PREVIEW_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp']);
let counter = 0;

/**
 * The browser's answer to "would the server take this file?" with the admin's rules (the server checks again,
 * content included). Same codes and wording as the server.
 */
export function precheckFile(
  file: File,
  limits: AttachmentLimits | null,
  already: { count: number; bytes: number },
): FileProblem | undefined {
  const name = sanitizeFileName(file.name);
  if (!name.ok) return { code: 'file_name_invalid', message: name.message };
  if (!limits) return undefined;
  const extension = extensionOf(name.name);
  if (!limits.allowedExtensions.includes(extension)) {
    return {
      code: 'file_type_not_allowed',
      message:
        extension === ''
          ? 'Files without an extension are not accepted.'
          : `Files of type .${extension} are not accepted.`,
    };
  }
  if (file.size > limits.maxFileBytes) {
    return { code: 'file_too_large', message: `Files are limited to ${formatBytes(limits.maxFileBytes)}.` };
  }
  if (already.count + 1 > limits.maxFiles) {
    return { code: 'too_many_files', message: `At most ${limits.maxFiles} files can be sent at once.` };
  }
  if (already.bytes + file.size > limits.maxMessageBytes) {
    return {
      code: 'message_too_large',
      message: `The files of one message are limited to ${formatBytes(limits.maxMessageBytes)} together.`,
    };
  }
  return undefined;
}

export interface AttachmentUploads {
  items: PendingUpload[];
  /** Adds files: each is pre-checked, then uploaded at once when an upload URL is known (else queued). */
  add(files: File[]): void;
  /** Removes a file: cancels its upload, or deletes an upload not sent yet. */
  remove(key: string): void;
  /** Forgets every file (after they were sent). */
  clear(): void;
  /** The uploaded files, ready to go with a message. */
  ready: AttachmentView[];
  /** Something is still uploading or waiting to (sending waits). */
  busy: boolean;
  limits: AttachmentLimits | null;
}

/**
 * The files of one composer. `uploadUrl` is the conversation's upload endpoint (null: no conversation yet, files
 * wait locally, as on the start form); `deleteUrl` removes an upload nobody sent.
 */
export function useAttachmentUploads(options: {
  uploadUrl: string | null;
  deleteUrl?: (attachmentId: string) => string;
  limits: AttachmentLimits | null;
}): AttachmentUploads {
  const [items, setItems] = useState<PendingUpload[]>([]);
  const handles = useRef(new Map<string, UploadHandle>());
  const latest = useRef(items);
  latest.current = items;
  const { uploadUrl, deleteUrl, limits } = options;

  const update = useCallback((key: string, change: Partial<PendingUpload>) => {
    setItems((list) => list.map((item) => (item.key === key ? { ...item, ...change } : item)));
  }, []);

  const start = useCallback(
    (item: PendingUpload) => {
      if (!uploadUrl) return;
      const handle = uploadFile(uploadUrl, item.file, (progress) => update(item.key, { progress }));
      handles.current.set(item.key, handle);
      update(item.key, { status: 'uploading', progress: 0 });
      handle.done.then(
        (attachment) => update(item.key, { status: 'done', progress: 1, attachment }),
        (error: FileProblem) => {
          if (error.code !== 'aborted') update(item.key, { status: 'error', error });
        },
      );
      void handle.done.finally(() => handles.current.delete(item.key)).catch(() => undefined);
    },
    [update, uploadUrl],
  );

  // Files queued before the conversation existed start once it does.
  useEffect(() => {
    if (!uploadUrl) return;
    for (const item of latest.current) if (item.status === 'queued') start(item);
  }, [start, uploadUrl]);

  const add = useCallback(
    (files: File[]) => {
      const accepted = latest.current.filter((i) => i.status !== 'error');
      const already = { count: accepted.length, bytes: accepted.reduce((n, i) => n + i.size, 0) };
      const added: PendingUpload[] = [];
      for (const file of files) {
        const problem = precheckFile(file, limits, already);
        const sanitised = sanitizeFileName(file.name);
        const name = sanitised.ok ? sanitised.name : file.name || '(no name)';
        const item: PendingUpload = {
          key: `f${++counter}`,
          file,
          name,
          size: file.size,
          previewUrl:
            !problem && PREVIEW_EXTENSIONS.has(extensionOf(name)) && typeof URL.createObjectURL === 'function'
              ? URL.createObjectURL(file)
              : undefined,
          status: problem ? 'error' : 'queued',
          progress: 0,
          error: problem,
        };
        if (!problem) {
          already.count += 1;
          already.bytes += file.size;
        }
        added.push(item);
      }
      setItems((list) => [...list, ...added]);
      for (const item of added) if (item.status === 'queued') start(item);
    },
    [limits, start],
  );

  const remove = useCallback(
    (key: string) => {
      const item = latest.current.find((i) => i.key === key);
      if (!item) return;
      handles.current.get(key)?.abort();
      if (item.previewUrl) URL.revokeObjectURL(item.previewUrl);
      if (item.status === 'done' && item.attachment && deleteUrl) {
        // Best effort: an upload nobody sends is removed by the server after an hour anyway.
        void api('DELETE', deleteUrl(item.attachment.id)).catch(() => undefined);
      }
      setItems((list) => list.filter((i) => i.key !== key));
    },
    [deleteUrl],
  );

  const clear = useCallback(() => {
    for (const item of latest.current) if (item.previewUrl) URL.revokeObjectURL(item.previewUrl);
    setItems([]);
  }, []);

  useEffect(
    () => () => {
      for (const handle of handles.current.values()) handle.abort();
    },
    [],
  );

  return {
    items,
    add,
    remove,
    clear,
    ready: items.filter((i) => i.status === 'done' && i.attachment).map((i) => i.attachment!),
    busy: items.some((i) => i.status === 'uploading' || i.status === 'queued'),
    limits,
  };
}
