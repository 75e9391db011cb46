/**
 * Attachment file names. Files are stored under random ids: the original name is display-only, so sanitising it
 * is about what people see and what their browser saves, never about paths on our disk.
 */
import { countCodePoints, stripInvisible, toWellFormed } from './unicode.js';

/** Every extension the product accepts. Admins may restrict uploads to a subset, never extend it. */
export const ALLOWED_FILE_EXTENSIONS = [
  'png',
  'jpg',
  'jpeg',
  'gif',
  'webp',
  'bmp',
  'pdf',
  'txt',
  'rtf',
  'doc',
  'docx',
  'odt',
  'ods',
  'odp',
  'xls',
  'xlsx',
  'csv',
  'json',
  'py',
  'js',
  'css',
  'html',
  'mp3',
  'wav',
  'mp4',
  'mov',
  'avi',
  'zip',
  '7z',
] as const;
export type FileExtension = (typeof ALLOWED_FILE_EXTENSIONS)[number];

export function isAllowedFileExtension(extension: string): extension is FileExtension {
  return (ALLOWED_FILE_EXTENSIONS as readonly string[]).includes(extension);
}

export const FILE_NAME_MAX_CODE_POINTS = 200;
/** A longer "extension" is just part of the name when truncating. */
const EXTENSION_MAX_CODE_POINTS = 16;

export type FileNameResult = { ok: true; name: string } | { ok: false; code: 'file_name_invalid'; message: string };

// Slashes and backslashes, and their look-alikes that NFKC (or a sloppy consumer) would turn into one.
const SEPARATORS = /[/\\\u2044\u2215\u29F8\uFE68\uFF0F\uFF3C]/;
// Characters Windows refuses in file names; ":" also forms drive letters and NTFS alternate streams.
const WINDOWS_RESERVED = /[<>:"|?*]/g;
const CONTROLS = /\p{Cc}/gu;
// JavaScript's \s includes U+FEFF, which is an invisible character here, not a space.
const SPACES = /[^\S\uFEFF]+/g;
const EDGE_DOTS_AND_SPACES = /^[\s.]+|[\s.]+$/g;

/**
 * A display-safe file name: the last segment after any `/` or `\`; nothing decoded (`%2e%2e%2f` stays literal
 * text); controls and invisible characters removed (so `invoice\u202Efdp.exe` shows as `invoicefdp.exe`);
 * `<>:"|?*` become `_`; NFC; whitespace collapsed to single spaces; dots and spaces trimmed at both ends; at most
 * 200 code points, cutting the base name and keeping the extension. Empty → `file_name_invalid`.
 */
export function sanitizeFileName(input: string): FileNameResult {
  const segment = toWellFormed(input.length > 4096 ? input.slice(-4096) : input)
    .split(SEPARATORS)
    .at(-1)!;
  let name = stripInvisible(segment.replace(SPACES, ' ').replace(CONTROLS, ''))
    .normalize('NFC')
    .replace(WINDOWS_RESERVED, '_')
    .replace(SPACES, ' ')
    .replace(EDGE_DOTS_AND_SPACES, '');
  if (countCodePoints(name) > FILE_NAME_MAX_CODE_POINTS) name = truncateKeepingExtension(name);
  if (name === '') return { ok: false, code: 'file_name_invalid', message: 'This file has no usable name.' };
  return { ok: true, name };
}

function truncateKeepingExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot) : '';
  const extensionLength = countCodePoints(extension);
  const keepExtension = extension !== '' && extensionLength <= EXTENSION_MAX_CODE_POINTS + 1;
  const base = keepExtension ? name.slice(0, dot) : name;
  const budget = FILE_NAME_MAX_CODE_POINTS - (keepExtension ? extensionLength : 0);
  // A cut may leave half an emoji sequence: drop a dangling joiner, then the dots and spaces before the extension.
  const cut = Array.from(base)
    .slice(0, budget)
    .join('')
    .replace(/\u200D$/, '')
    .replace(/[\s.]+$/, '');
  return keepExtension ? cut + extension : cut;
}

/** The lower-cased extension of a (sanitised) file name without its dot; '' when there is none. */
export function extensionOf(name: string): string {
  const base = name.split(SEPARATORS).at(-1)!;
  const dot = base.lastIndexOf('.');
  return dot > 0 && dot < base.length - 1 ? base.slice(dot + 1).toLowerCase() : '';
}
