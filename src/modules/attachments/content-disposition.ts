/**
 * Content-Disposition header values for downloads (RFC 6266): an ASCII `filename="…"` for old clients and, when
 * the name is not plain ASCII, `filename*=UTF-8''…` (RFC 8187) with the exact name, which current browsers prefer.
 */
import { sanitizeFileName } from '../../shared/file-name.js';

/** Used when a stored name sanitises to nothing. */
export const FALLBACK_FILE_NAME = 'download';

/** RFC 8187 attr-chars stay; everything else, including ' ( ) * that encodeURIComponent leaves, is escaped. */
function encodeExtValue(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The ASCII stand-in: accents dropped (é → e, ﬁ → fi), other non-ASCII and "/" as "_", quote and backslash escaped. */
function asciiFallback(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7E]|\//g, '_')
    .replace(/["\\]/g, '\\$&');
}

/** A Content-Disposition value for a stored file's display name (sanitised again here, whatever it holds). */
export function contentDisposition(fileName: string, type: 'attachment' | 'inline' = 'attachment'): string {
  const sanitised = sanitizeFileName(fileName);
  const name = sanitised.ok ? sanitised.name : FALLBACK_FILE_NAME;
  const fallback = asciiFallback(name);
  const value = `${type}; filename="${fallback}"`;
  return fallback === name && !name.includes('%') ? value : `${value}; filename*=UTF-8''${encodeExtValue(name)}`;
}

/** `attachment; filename="…"[; filename*=UTF-8''…]`: every download except safe image previews. */
export function contentDispositionAttachment(fileName: string): string {
  return contentDisposition(fileName, 'attachment');
}
