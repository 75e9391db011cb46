/**
 * Upload fixtures built in code (real-shaped files, no binary fixtures in the repository) and a multipart body
 * builder that writes exactly the bytes a test wants (names with NUL bytes, truncated bodies).
 */
import { randomBytes } from 'node:crypto';
import { crc32, deflateRawSync, deflateSync } from 'node:zlib';
import type { HttpClient } from './http-client.js';

const ascii = (text: string) => Buffer.from(text, 'latin1');
const u16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const u32be = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const concat = (...parts: (Uint8Array | readonly number[])[]) =>
  Buffer.concat(parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p))));

/** A real, decodable PNG: `width`×`height`, a diagonal gradient of `rgb` (so previews are visibly an image). */
export function png(width = 1, height = 1, rgb: [number, number, number] = [49, 87, 213]): Buffer {
  const chunk = (type: string, data: Uint8Array) =>
    concat(u32be(data.length), ascii(type), data, u32be(crc32(concat(ascii(type), data))));
  const ihdr = Uint8Array.from([...u32be(width), ...u32be(height), 8, 2, 0, 0, 0]);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    for (let x = 0; x < width; x++) {
      const shade = (x + y) / Math.max(1, width + height - 2);
      const at = y * (width * 3 + 1) + 1 + x * 3;
      raw[at] = Math.round(rgb[0] + (255 - rgb[0]) * shade);
      raw[at + 1] = Math.round(rgb[1] + (255 - rgb[1]) * shade);
      raw[at + 2] = Math.round(rgb[2] + (255 - rgb[2]) * shade);
    }
  }
  return concat(
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array()),
  );
}

/**
 * A PNG that is only a header declaring `width`×`height` (a pixel bomb: 103 bytes that a browser would try to
 * decode into width × height × 4 bytes).
 */
export function pngHeader(width: number, height: number): Buffer {
  const chunk = (type: string, data: Uint8Array) =>
    concat(u32be(data.length), ascii(type), data, u32be(crc32(concat(ascii(type), data))));
  return concat(
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    chunk('IHDR', Uint8Array.from([...u32be(width), ...u32be(height), 8, 2, 0, 0, 0])),
    chunk('IDAT', deflateSync(Buffer.alloc(32))),
    chunk('IEND', new Uint8Array()),
  );
}

export const jpeg = () =>
  concat([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], ascii('JFIF'), [0, 1, 1, 0, 0, 1, 0, 1, 0, 0], [0xff, 0xd9]);
export const gif = () =>
  concat(
    ascii('GIF89a'),
    [1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255],
    ascii(','),
    [0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b],
  );

/** A small but valid one-page PDF with a line of text. */
export function pdf(text = 'Support Central test document'): Buffer {
  const stream = `BT /F1 18 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return ascii(out);
}

/** The start of a Windows executable: DOS header (with its NUL bytes), stub, PE signature. */
export function exe(): Buffer {
  const header = Buffer.alloc(128);
  header.set([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xff, 0xff]);
  header.set(u32(0x80), 0x3c);
  header.set(ascii('This program cannot be run in DOS mode.'), 0x4e);
  return concat(header, ascii('PE\0\0'), [0x4c, 0x01], randomBytes(512));
}

export const html = () =>
  Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>');
export const svgWithScript = () =>
  Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script><circle r="5"/></svg>',
  );
export const text = (content: string) => Buffer.from(content, 'utf8');

interface ZipEntry {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
}

/** A real zip archive (local headers, central directory, end record). */
export function zip(files: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.name, 'utf8');
    const stored = file.deflate === true ? deflateRawSync(file.data) : file.data;
    const method = file.deflate === true ? 8 : 0;
    const crc = crc32(file.data);
    const local = concat(
      ascii('PK\x03\x04'),
      u16(20),
      u16(0x0800),
      u16(method),
      u16(0),
      u16(0x21),
      u32(crc),
      u32(stored.length),
      u32(file.data.length),
      u16(name.length),
      u16(0),
      name,
      stored,
    );
    centrals.push(
      concat(
        ascii('PK\x01\x02'),
        u16(20),
        u16(20),
        u16(0x0800),
        u16(method),
        u16(0),
        u16(0x21),
        u32(crc),
        u32(stored.length),
        u32(file.data.length),
        u16(name.length),
        u16(0),
        u16(0),
        u16(0),
        u16(0),
        u32(0),
        u32(offset),
        name,
      ),
    );
    locals.push(local);
    offset += local.length;
  }
  const central = concat(...centrals);
  const end = concat(
    ascii('PK\x05\x06'),
    u16(0),
    u16(0),
    u16(files.length),
    u16(files.length),
    u32(central.length),
    u32(offset),
    u16(0),
  );
  return concat(...locals, central, end);
}

const xml = (body: string) => ({ data: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>${body}`), deflate: true });

export const docx = () =>
  zip([
    {
      name: '[Content_Types].xml',
      ...xml('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
    },
    { name: '_rels/.rels', ...xml('<Relationships/>') },
    { name: 'word/document.xml', ...xml('<w:document/>') },
  ]);
export const plainZip = () =>
  zip([
    { name: 'notes.txt', data: Buffer.from('hello') },
    { name: 'photos/a.png', data: png() },
  ]);

const WORD_CLSID = '00020906-0000-0000-c000-000000000046';
const MSI_CLSID = '000c1084-0000-0000-c000-000000000046';
const NULL_CLSID = '00000000-0000-0000-0000-000000000000';

function clsidBytes(clsid: string): number[] {
  const [a, b, c, d, e] = clsid.split('-') as [string, string, string, string, string];
  const hex = (s: string) => s.match(/../g)!.map((h) => parseInt(h, 16));
  return [...hex(a).reverse(), ...hex(b).reverse(), ...hex(c).reverse(), ...hex(d), ...hex(e)];
}

/** An OLE2 compound file (512-byte sectors): header, one FAT sector, the directory. */
function ole(clsid: string, streams: string[]): Buffer {
  const sectorSize = 512;
  const entries = [
    { name: 'Root Entry', type: 5, clsid },
    ...streams.map((name) => ({ name, type: 2, clsid: NULL_CLSID })),
  ];
  const header = Buffer.alloc(sectorSize);
  header.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
  header.set([...u16(0x3e), ...u16(3), 0xfe, 0xff, ...u16(9), ...u16(6)], 24);
  header.set(u32(1), 44);
  header.set(u32(1), 48);
  header.set(u32(4096), 56);
  header.set([...u32(0xfffffffe), ...u32(0), ...u32(0xfffffffe), ...u32(0)], 60);
  for (let i = 0; i < 109; i++) header.set(u32(i === 0 ? 0 : 0xffffffff), 76 + i * 4);
  const fat = Buffer.alloc(sectorSize, 0xff);
  fat.set(u32(0xfffffffd), 0);
  fat.set(u32(0xfffffffe), 4);
  const directory = Buffer.alloc(sectorSize);
  entries.forEach((entry, i) => {
    const at = i * 128;
    const name = Uint8Array.from(Array.from(entry.name).flatMap((c) => u16(c.charCodeAt(0))));
    directory.set(name, at);
    directory.set(u16(name.length + 2), at + 64);
    directory[at + 66] = entry.type;
    directory.set([...u32(0xffffffff), ...u32(0xffffffff), ...u32(0xffffffff)], at + 68);
    directory.set(clsidBytes(entry.clsid), at + 80);
    directory.set(u32(0xfffffffe), at + 116);
  });
  return concat(header, fat, directory);
}

export const doc = () => ole(WORD_CLSID, ['WordDocument', '1Table']);
/** A Windows installer: an OLE2 file with the MSI root CLSID and no WordDocument stream. */
export const msi = () => ole(MSI_CLSID, ['\u4840\u3b3f\u4577\u446c', '\u0005SummaryInformation']);

export interface MultipartFile {
  name: string;
  data: Buffer;
  /** The part's field name (default "file"). */
  field?: string;
  contentType?: string;
}

/**
 * A multipart/form-data body written byte for byte: file names go in as UTF-8 inside `filename="…"` with only `"`
 * and `\` escaped, so a test can send names a browser would never produce. `truncateBy` cuts bytes off the end.
 */
export function multipartBody(
  files: MultipartFile[],
  options: { truncateBy?: number; boundary?: string } = {},
): { body: Buffer; contentType: string } {
  const boundary = options.boundary ?? `----sc${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const f of files) {
    const name = f.name.replace(/["\\]/g, (c) => `\\${c}`);
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${f.field ?? 'file'}"; filename="${name}"\r\n` +
          `Content-Type: ${f.contentType ?? 'application/octet-stream'}\r\n\r\n`,
        'utf8',
      ),
      f.data,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  let body = Buffer.concat(parts);
  if (options.truncateBy) body = body.subarray(0, body.length - options.truncateBy);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** POSTs files as one multipart request with an HttpClient (cookies, Origin). */
export function uploadWith(
  client: { post: HttpClient['post'] },
  path: string,
  files: MultipartFile[],
  options: { truncateBy?: number } = {},
) {
  const { body, contentType } = multipartBody(files, options);
  return client.post(path, undefined, { raw: body, headers: { 'content-type': contentType } });
}
