/**
 * Upload type checking by extension AND content (server only). A file is accepted when its extension is allowed
 * and its first bytes carry the signature of that extension's format; text types must be UTF-8 text.
 * See docs/ARCHITECTURE.md "Text and file rules".
 *
 * Pass the whole file when you have it (uploads are small and buffered for encryption anyway): a legacy Office
 * file's directory and a zip's entry list can lie beyond any fixed head, and those checks fail closed when the
 * bytes they need are missing. For the other formats the first 4100 bytes are enough.
 */
import { ALLOWED_FILE_EXTENSIONS, isAllowedFileExtension, type FileExtension } from '../../shared/file-name.js';

export { ALLOWED_FILE_EXTENSIONS };

/** Enough bytes for every signature check except the legacy Office and zip entry checks (see above). */
export const SNIFF_HEAD_BYTES = 4100;

export type FileKindErrorCode = 'file_type_not_allowed' | 'file_type_mismatch';
export type FileKindResult =
  | {
      ok: true;
      extension: FileExtension;
      mime: string;
      /** A raster image (bmp included), for thumbnails. */
      isImage: boolean;
      /** Safe to serve `inline` as a preview: png, jpeg, gif, webp only. Everything else is a download. */
      inlineSafe: boolean;
      /** A text type: the rest of the file must also pass createTextValidator unless `complete` was set. */
      isText: boolean;
    }
  | { ok: false; code: FileKindErrorCode; message: string };

export interface DetectOptions {
  /** The extensions accepted here: by default all; admins may narrow it. Unknown extensions are never accepted. */
  allowed?: readonly string[];
  /** `head` is the whole file: a text file must then also end on a complete UTF-8 sequence. */
  complete?: boolean;
}

type Check = (bytes: Uint8Array) => boolean;

// ---- byte helpers ----------------------------------------------------------------------------------------------

function hasBytes(bytes: Uint8Array, offset: number, expected: readonly number[] | string): boolean {
  if (offset + expected.length > bytes.length) return false;
  for (let i = 0; i < expected.length; i++) {
    const want = typeof expected === 'string' ? expected.charCodeAt(i) : expected[i];
    if (bytes[offset + i] !== want) return false;
  }
  return true;
}

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

function indexOfBytes(bytes: Uint8Array, pattern: readonly number[], from: number): number {
  for (let i = Math.max(0, from); i + pattern.length <= bytes.length; i++) {
    if (hasBytes(bytes, i, pattern)) return i;
  }
  return -1;
}

// ---- signatures ------------------------------------------------------------------------------------------------

const isPng: Check = (b) =>
  hasBytes(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) &&
  hasBytes(b, 8, [0, 0, 0, 13]) &&
  hasBytes(b, 12, 'IHDR');
const isJpeg: Check = (b) => hasBytes(b, 0, [0xff, 0xd8, 0xff]);
const isGif: Check = (b) => hasBytes(b, 0, 'GIF87a') || hasBytes(b, 0, 'GIF89a');
const isRiff = (b: Uint8Array, form: string) => hasBytes(b, 0, 'RIFF') && hasBytes(b, 8, form);
const isWebp: Check = (b) =>
  isRiff(b, 'WEBP') && (hasBytes(b, 12, 'VP8 ') || hasBytes(b, 12, 'VP8L') || hasBytes(b, 12, 'VP8X'));
const BMP_HEADER_SIZES = new Set([12, 40, 52, 56, 64, 108, 124]);
// "BM" alone is two ASCII letters: the DIB header size after the 14-byte file header must be a real one.
const isBmp: Check = (b) => hasBytes(b, 0, 'BM') && b.length >= 18 && BMP_HEADER_SIZES.has(view(b).getUint32(14, true));
const isPdf: Check = (b) => hasBytes(b, 0, '%PDF-');
const isRtf: Check = (b) => hasBytes(b, 0, '{\\rtf');
const is7z: Check = (b) => hasBytes(b, 0, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]);
const isWav: Check = (b) => isRiff(b, 'WAVE');
const isAvi: Check = (b) => isRiff(b, 'AVI ');
const isMp4: Check = (b) => hasBytes(b, 4, 'ftyp');
const isMov: Check = (b) =>
  isMp4(b) || ['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'].some((atom) => hasBytes(b, 4, atom));

/**
 * An ID3v2 tag, or an MPEG audio frame header (sync 0xFFE/0xFFF) for Layer III, the "3" of mp3, whose version,
 * bitrate and sample-rate fields are not reserved. Layer III excludes the UTF-16 BOM FF FE, a "Layer I" header.
 */
const isMp3: Check = (b) => {
  if (hasBytes(b, 0, 'ID3') && b.length >= 4 && b[3]! >= 2 && b[3]! <= 4) return true;
  if (b.length < 3 || b[0] !== 0xff || (b[1]! & 0xe0) !== 0xe0) return false;
  const version = (b[1]! >> 3) & 3;
  const layer = (b[1]! >> 1) & 3;
  const bitrate = b[2]! >> 4;
  const rate = (b[2]! >> 2) & 3;
  return version !== 1 && layer === 1 && bitrate !== 15 && rate !== 3;
};

// ---- zip and its document formats ----------------------------------------------------------------------------

const ZIP_LOCAL = [0x50, 0x4b, 0x03, 0x04];
const ZIP_EMPTY = [0x50, 0x4b, 0x05, 0x06];

interface ZipEntry {
  name: string;
  method: number;
  data: Uint8Array;
}

/**
 * The entries whose local file headers lie within `bytes`, in order. When an entry's compressed size is not in
 * its header (streamed zips put it in a data descriptor after the data), the walk resumes at the next header
 * signature.
 */
function zipEntries(bytes: Uint8Array, limit = 10_000): ZipEntry[] {
  const entries: ZipEntry[] = [];
  const dv = view(bytes);
  let p = 0;
  while (entries.length < limit && p >= 0 && p + 30 <= bytes.length) {
    if (!hasBytes(bytes, p, ZIP_LOCAL)) {
      p = indexOfBytes(bytes, ZIP_LOCAL, p + 1);
      continue;
    }
    const method = dv.getUint16(p + 8, true);
    const compressedSize = dv.getUint32(p + 18, true);
    const nameLength = dv.getUint16(p + 26, true);
    const extraLength = dv.getUint16(p + 28, true);
    const dataStart = p + 30 + nameLength + extraLength;
    if (p + 30 + nameLength > bytes.length) break;
    const name = utf8.decode(bytes.subarray(p + 30, p + 30 + nameLength));
    entries.push({ name, method, data: bytes.subarray(dataStart, dataStart + compressedSize) });
    const sizeKnown = compressedSize !== 0 && compressedSize !== 0xffffffff;
    p = sizeKnown ? dataStart + compressedSize : indexOfBytes(bytes, ZIP_LOCAL, dataStart);
  }
  return entries;
}

const isZip: Check = (b) => hasBytes(b, 0, ZIP_LOCAL) || (hasBytes(b, 0, ZIP_EMPTY) && b.length >= 22);

/** Office Open XML: a zip with `[Content_Types].xml` and a part under the application's folder. */
const isOoxml =
  (folder: string): Check =>
  (b) => {
    if (!hasBytes(b, 0, ZIP_LOCAL)) return false;
    const names = zipEntries(b).map((entry) => entry.name);
    return names.includes('[Content_Types].xml') && names.some((name) => name.startsWith(folder));
  };

/** OpenDocument: the first entry is an uncompressed `mimetype` holding exactly the format's media type. */
const isOdf =
  (mime: string): Check =>
  (b) => {
    if (!hasBytes(b, 0, ZIP_LOCAL)) return false;
    const first = zipEntries(b, 1)[0];
    return first?.name === 'mimetype' && first.method === 0 && latin1.decode(first.data) === mime;
  };

// ---- OLE2 compound files (legacy Office) -----------------------------------------------------------------------

const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const END_OF_CHAIN = 0xfffffffa; // and above: the special sector ids

/** The root storage's CLSID ("00020906-0000-0000-c000-000000000046") as written in the GUID's mixed-endian layout. */
function clsidAt(bytes: Uint8Array, offset: number): string {
  const dv = view(bytes);
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  const tail = Array.from(bytes.subarray(offset + 8, offset + 16), (byte) => hex(byte, 2)).join('');
  return [
    hex(dv.getUint32(offset, true), 8),
    hex(dv.getUint16(offset + 4, true), 4),
    hex(dv.getUint16(offset + 6, true), 4),
    tail.slice(0, 4),
    tail.slice(4),
  ].join('-');
}

/**
 * Reads the compound file's directory: the root entry's CLSID and the names of its entries, following the
 * directory's sector chain through the FAT (only FAT sectors listed in the header's DIFAT are reachable).
 * Undefined when the bytes are not a compound file or the directory is not within them.
 */
export function readCompoundDirectory(bytes: Uint8Array): { rootClsid: string; names: string[] } | undefined {
  if (!hasBytes(bytes, 0, OLE2) || bytes.length < 512) return undefined;
  const dv = view(bytes);
  const shift = dv.getUint16(30, true);
  if (shift !== 9 && shift !== 12) return undefined;
  const sectorSize = 1 << shift;
  const idsPerSector = sectorSize / 4;
  const names: string[] = [];
  let rootClsid: string | undefined;
  let sector = dv.getUint32(48, true);
  for (let hops = 0; sector < END_OF_CHAIN && hops < 256; hops++) {
    const start = (sector + 1) * sectorSize;
    if (start + sectorSize > bytes.length) return undefined;
    for (let entry = start; entry < start + sectorSize; entry += 128) {
      const nameBytes = Math.min(dv.getUint16(entry + 64, true), 64);
      const type = bytes[entry + 66];
      if (rootClsid === undefined) {
        if (type !== 5) return undefined; // the first entry must be the root storage
        rootClsid = clsidAt(bytes, entry + 80);
      } else if (type === 1 || type === 2) {
        const name = new TextDecoder('utf-16le').decode(bytes.subarray(entry, entry + Math.max(0, nameBytes - 2)));
        names.push(name);
      }
    }
    const fatIndex = Math.floor(sector / idsPerSector);
    if (fatIndex >= 109) break;
    const fatSector = dv.getUint32(76 + fatIndex * 4, true);
    const position = (fatSector + 1) * sectorSize + (sector % idsPerSector) * 4;
    if (fatSector >= END_OF_CHAIN || position + 4 > bytes.length) break;
    sector = dv.getUint32(position, true);
  }
  return rootClsid === undefined ? undefined : { rootClsid, names };
}

const NULL_CLSID = '00000000-0000-0000-0000-000000000000';
/** Root CLSIDs of Word 97–2003 and Word 6/95 documents. An installer (.msi) has 000c1084-…, a patch 000c1086-…. */
const WORD_CLSIDS = ['00020906-0000-0000-c000-000000000046', '00020900-0000-0000-c000-000000000046', NULL_CLSID];
/** Root CLSIDs of Excel 97–2003 and Excel 5/95 workbooks. */
const EXCEL_CLSIDS = ['00020820-0000-0000-c000-000000000046', '00020810-0000-0000-c000-000000000046', NULL_CLSID];

/** A compound file whose root CLSID is the application's (or unset) and that holds the application's stream. */
const isOle =
  (clsids: readonly string[], streams: readonly string[]): Check =>
  (b) => {
    const directory = readCompoundDirectory(b);
    if (directory === undefined || !clsids.includes(directory.rootClsid)) return false;
    return directory.names.some((name) => streams.includes(name.toLowerCase()));
  };

// ---- text ------------------------------------------------------------------------------------------------------

/** Bytes that never occur in text we accept: NUL and the C0 controls other than tab, LF, VT, FF, CR and ESC. */
function hasForbiddenControl(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (byte < 0x20 && (byte < 0x09 || byte > 0x0d) && byte !== 0x1b) return true;
  }
  return false;
}

/**
 * A streaming check that a file is UTF-8 text (BOM allowed) without NUL or stray control bytes. Feed every chunk
 * to `push` (false once the file failed) and call `end` (false when the file ended inside a UTF-8 sequence).
 */
export function createTextValidator(): { push(chunk: Uint8Array): boolean; end(): boolean; readonly ok: boolean } {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let ok = true;
  const attempt = (fn: () => void) => {
    try {
      fn();
    } catch {
      ok = false;
    }
    return ok;
  };
  return {
    push(chunk) {
      if (!ok) return false;
      if (hasForbiddenControl(chunk)) return (ok = false);
      return attempt(() => decoder.decode(chunk, { stream: true }));
    },
    end() {
      return ok && attempt(() => decoder.decode());
    },
    get ok() {
      return ok;
    },
  };
}

/** Binary formats that must not pass as text even when their first bytes happen to be text-like. */
const BINARY_SIGNATURES: readonly Check[] = [
  isPng,
  isJpeg,
  isGif,
  isWebp,
  isBmp,
  isPdf,
  is7z,
  isWav,
  isAvi,
  isMp4,
  (b) => hasBytes(b, 0, OLE2),
  (b) => hasBytes(b, 0, ZIP_LOCAL) || hasBytes(b, 0, ZIP_EMPTY),
  isMp3,
  (b) => hasBytes(b, 0, [0x7f, 0x45, 0x4c, 0x46]), // ELF
];

function isText(bytes: Uint8Array, complete: boolean): boolean {
  if (BINARY_SIGNATURES.some((check) => check(bytes))) return false;
  const validator = createTextValidator();
  return validator.push(bytes) && (!complete || validator.end());
}

// ---- the rules -------------------------------------------------------------------------------------------------

interface Rule {
  mime: string;
  check: Check | 'text';
  image?: true;
  inline?: true;
}

const TEXT = 'text';
const RULES: Record<FileExtension, Rule> = {
  png: { mime: 'image/png', check: isPng, image: true, inline: true },
  jpg: { mime: 'image/jpeg', check: isJpeg, image: true, inline: true },
  jpeg: { mime: 'image/jpeg', check: isJpeg, image: true, inline: true },
  gif: { mime: 'image/gif', check: isGif, image: true, inline: true },
  webp: { mime: 'image/webp', check: isWebp, image: true, inline: true },
  bmp: { mime: 'image/bmp', check: isBmp, image: true },
  pdf: { mime: 'application/pdf', check: isPdf },
  rtf: { mime: 'application/rtf', check: isRtf },
  doc: { mime: 'application/msword', check: isOle(WORD_CLSIDS, ['worddocument']) },
  xls: { mime: 'application/vnd.ms-excel', check: isOle(EXCEL_CLSIDS, ['workbook', 'book']) },
  docx: {
    mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    check: isOoxml('word/'),
  },
  xlsx: { mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', check: isOoxml('xl/') },
  odt: {
    mime: 'application/vnd.oasis.opendocument.text',
    check: isOdf('application/vnd.oasis.opendocument.text'),
  },
  ods: {
    mime: 'application/vnd.oasis.opendocument.spreadsheet',
    check: isOdf('application/vnd.oasis.opendocument.spreadsheet'),
  },
  odp: {
    mime: 'application/vnd.oasis.opendocument.presentation',
    check: isOdf('application/vnd.oasis.opendocument.presentation'),
  },
  txt: { mime: 'text/plain; charset=utf-8', check: TEXT },
  csv: { mime: 'text/csv; charset=utf-8', check: TEXT },
  json: { mime: 'application/json; charset=utf-8', check: TEXT },
  py: { mime: 'text/x-python; charset=utf-8', check: TEXT },
  js: { mime: 'text/javascript; charset=utf-8', check: TEXT },
  css: { mime: 'text/css; charset=utf-8', check: TEXT },
  html: { mime: 'text/html; charset=utf-8', check: TEXT },
  mp3: { mime: 'audio/mpeg', check: isMp3 },
  wav: { mime: 'audio/wav', check: isWav },
  mp4: { mime: 'video/mp4', check: isMp4 },
  mov: { mime: 'video/quicktime', check: isMov },
  avi: { mime: 'video/x-msvideo', check: isAvi },
  zip: { mime: 'application/zip', check: isZip },
  '7z': { mime: 'application/x-7z-compressed', check: is7z },
};

/**
 * Decides whether an upload is acceptable: its extension must be allowed (`options.allowed`, by default
 * ALLOWED_FILE_EXTENSIONS) and its content must match that extension's format.
 */
export function detectFileKind(head: Uint8Array, extension: string, options: DetectOptions = {}): FileKindResult {
  const ext = extension.replace(/^\./, '').toLowerCase();
  const allowed = options.allowed ?? ALLOWED_FILE_EXTENSIONS;
  if (!isAllowedFileExtension(ext) || !allowed.includes(ext)) {
    const message =
      ext === '' ? 'Files without an extension are not accepted.' : `Files of type .${ext} are not accepted.`;
    return { ok: false, code: 'file_type_not_allowed', message };
  }
  const rule = RULES[ext];
  const matches = rule.check === TEXT ? isText(head, options.complete === true) : rule.check(head);
  if (!matches) {
    return {
      ok: false,
      code: 'file_type_mismatch',
      message: `This file's content does not match its .${ext} extension.`,
    };
  }
  return {
    ok: true,
    extension: ext,
    mime: rule.mime,
    isImage: rule.image === true,
    inlineSafe: rule.inline === true,
    isText: rule.check === TEXT,
  };
}
