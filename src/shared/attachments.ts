/**
 * Attachments on the wire (REST and Socket.IO), shared by the server and the browser. The bytes never travel in a
 * message: a message carries metadata and the ids of files uploaded beforehand to its conversation.
 * No zod here: the visitor's bundle imports this file.
 */
/** What every viewer of a message learns about one of its files. */
export interface AttachmentView {
  id: string;
  /** The sanitised display name (what the browser saves it as). */
  name: string;
  /** Bytes. */
  size: number;
  /** The media type the content was recognised as (served as a download for code and html). */
  mime: string;
  /** A raster image: previews are offered for png, jpeg, gif and webp within the inline cap. */
  isImage: boolean;
}

/** The attachment rules an admin sets (public: the browser checks them before uploading). */
export interface AttachmentLimits {
  maxFileBytes: number;
  maxMessageBytes: number;
  maxFiles: number;
  allowedExtensions: string[];
  /** Largest image, in pixels (width × height as its header declares them). */
  maxImagePixels: number;
}

/** Images larger than this are never served inline (previews), only as downloads. */
export const INLINE_PREVIEW_MAX_BYTES = 2 * 1024 * 1024;
/** The types that may be previewed inline: raster formats browsers decode safely. Never svg, html or scripts. */
export const INLINE_PREVIEW_MIMES: readonly string[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

/** Whether a file may be shown as a preview (`?inline=1`). */
export function isPreviewable(a: Pick<AttachmentView, 'mime' | 'size'>): boolean {
  return INLINE_PREVIEW_MIMES.includes(a.mime) && a.size <= INLINE_PREVIEW_MAX_BYTES;
}

/** A hard backstop on ids per message; the admin's `attachments.maxFiles` is checked by the service. */
export const MAX_ATTACHMENT_IDS = 50;

/**
 * An upload request is all or nothing: either every file was stored (201 `{ attachments }`, in request order) or
 * none was, and the error names the refused file in `details.files` (its position in the request, its name as
 * sent, and the code), so the UI shows the reason next to that file.
 */
export interface UploadResponse {
  attachments: AttachmentView[];
}

export interface UploadFileError {
  /** 0-based position of the file in the request. */
  index: number;
  /** The name the client sent (sanitised for display; '' when it had none). */
  name: string;
  code: string;
  message: string;
}

/** A pixel count as people read it: "50 megapixels", "250,000 pixels". */
export function formatPixels(n: number): string {
  if (n >= 1_000_000) {
    const mega = Math.round(n / 100_000) / 10;
    return `${mega} megapixel${mega === 1 ? '' : 's'}`;
  }
  return `${n.toLocaleString('en-US')} pixels`;
}

/** A size as people read it: "5 MB", "120 KB", "12 bytes" (1 MB = 1024 × 1024 bytes, as the limits are set). */
export function formatBytes(n: number): string {
  const MB = 1024 * 1024;
  if (n >= MB) return `${Math.round((n / MB) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}
