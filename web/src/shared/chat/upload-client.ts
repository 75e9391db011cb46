import type { AttachmentView, UploadFileError, UploadResponse } from '../../../../src/shared/attachments.js';
import type { ErrorBody } from '../../../../src/shared/errors.js';
import { authHeaders } from '../api.js';

/** Why one file was refused: the server's code and message (or a local pre-check with the same codes). */
export interface FileProblem {
  code: string;
  message: string;
}

export interface UploadHandle {
  done: Promise<AttachmentView>;
  abort(): void;
}

/**
 * Uploads one file as multipart/form-data with XMLHttpRequest, for its upload progress events (fetch has none).
 * Rejects with a FileProblem: the server's error for this file, or a network failure.
 */
export function uploadFile(url: string, file: File, onProgress: (fraction: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<AttachmentView>((resolve, reject) => {
    xhr.open('POST', url);
    xhr.withCredentials = true;
    xhr.responseType = 'text';
    xhr.setRequestHeader('accept', 'application/json');
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status === 201) {
        const stored = (body as UploadResponse | undefined)?.attachments?.[0];
        if (stored) return resolve(stored);
      }
      const error = (body as ErrorBody | undefined)?.error;
      const forFile = (error?.details as { files?: UploadFileError[] } | undefined)?.files?.[0];
      reject({
        code: forFile?.code ?? error?.code ?? `http_${xhr.status}`,
        message: forFile?.message ?? error?.message ?? 'The upload failed.',
      } satisfies FileProblem);
    };
    xhr.onerror = () =>
      reject({ code: 'network_error', message: 'The upload failed: check your connection and try again.' });
    xhr.onabort = () => reject({ code: 'aborted', message: 'Upload cancelled.' });
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}
