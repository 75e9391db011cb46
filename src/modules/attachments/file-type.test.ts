import { crc32, deflateRawSync, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  ALLOWED_FILE_EXTENSIONS,
  SNIFF_HEAD_BYTES,
  createTextValidator,
  detectFileKind,
  readCompoundDirectory,
} from './file-type.js';

// ---- fixture builders: small, real-shaped files generated in code ---------------------------------------------

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const utf8 = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: Array<Uint8Array | readonly number[]>) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
};
const u16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const u32be = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

/** A complete 1×1 RGBA PNG with correct CRCs. */
function png(): Uint8Array {
  const chunk = (type: string, data: Uint8Array) =>
    concat(u32be(data.length), ascii(type), data, u32be(crc32(concat(ascii(type), data))));
  const ihdr = Uint8Array.from([...u32be(1), ...u32be(1), 8, 6, 0, 0, 0]);
  return concat(
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Uint8Array.from([0, 255, 0, 0, 255]))),
    chunk('IEND', new Uint8Array()),
  );
}

const jpeg = () =>
  concat([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], ascii('JFIF'), [0, 1, 1, 0, 0, 1, 0, 1, 0, 0], [0xff, 0xd9]);
const gif = (version: '87a' | '89a') =>
  concat(
    ascii(`GIF${version}`),
    [1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255],
    ascii(','),
    [0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b],
  );
const riff = (form: string, body: Uint8Array) => concat(ascii('RIFF'), u32(4 + body.length), ascii(form), body);
const webp = () => riff('WEBP', concat(ascii('VP8L'), u32(5), [0x2f, 0, 0, 0, 0], [0]));
/** A 1×1 24-bit BMP with a BITMAPINFOHEADER. */
const bmp = () =>
  concat(
    ascii('BM'),
    u32(58),
    u32(0),
    u32(54),
    u32(40),
    u32(1),
    u32(1),
    u16(1),
    u16(24),
    u32(0),
    u32(4),
    u32(2835),
    u32(2835),
    u32(0),
    u32(0),
    [0, 0, 255, 0],
  );
const pdf = () =>
  concat(ascii('%PDF-1.7\n%'), [0xe2, 0xe3, 0xcf, 0xd3], ascii('\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'));
const rtf = () => ascii('{\\rtf1\\ansi{\\fonttbl\\f0 Arial;}\\f0 Hello}');
const sevenZip = () => concat([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4], new Uint8Array(24));
const mp3Id3 = () => concat(ascii('ID3'), [4, 0, 0, 0, 0, 0, 0], [0xff, 0xfb, 0x90, 0x64], new Uint8Array(32));
const mp3Frame = () => concat([0xff, 0xfb, 0x90, 0x64], new Uint8Array(413));
const wav = () =>
  riff(
    'WAVE',
    concat(ascii('fmt '), u32(16), u16(1), u16(1), u32(8000), u32(8000), u16(1), u16(8), ascii('data'), u32(0)),
  );
const avi = () => riff('AVI ', concat(ascii('LIST'), u32(4), ascii('hdrl')));
const isoBox = (type: string, body: Uint8Array) => concat(u32be(8 + body.length), ascii(type), body);
const mp4 = () =>
  concat(isoBox('ftyp', concat(ascii('isom'), u32be(512), ascii('isomiso2mp41'))), isoBox('free', new Uint8Array()));
const movFtyp = () => isoBox('ftyp', concat(ascii('qt  '), u32be(0x20050300), ascii('qt  ')));
const movWide = () => concat(isoBox('wide', new Uint8Array()), isoBox('mdat', new Uint8Array(8)));
const movMoov = () => isoBox('moov', isoBox('mvhd', new Uint8Array(100)));
/** The start of a Windows executable: DOS header (with its NUL bytes), stub, PE signature. */
const mz = () => {
  const header = new Uint8Array(128);
  header.set([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xff, 0xff]);
  header.set(u32(0x80), 0x3c);
  header.set(ascii('This program cannot be run in DOS mode.'), 0x4e);
  return concat(header, ascii('PE\0\0'), [0x4c, 0x01]);
};
const elf = () => concat([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], new Uint8Array(56));

interface ZipFile {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
}

/**
 * A real zip archive (local headers, central directory, end record). `streamed` writes sizes in data descriptors
 * after the data (flag bit 3), as streaming writers do, leaving zeros in the local headers.
 */
function zip(files: ZipFile[], { streamed = false } = {}): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const file of files) {
    const name = utf8(file.name);
    const stored = file.deflate === true ? deflateRawSync(file.data) : file.data;
    const method = file.deflate === true ? 8 : 0;
    const crc = crc32(file.data);
    const flags = streamed ? 0x0808 : 0x0800;
    const sizes = streamed
      ? [...u32(0), ...u32(0), ...u32(0)]
      : [...u32(crc), ...u32(stored.length), ...u32(file.data.length)];
    const local = concat(
      ascii('PK\x03\x04'),
      u16(20),
      u16(flags),
      u16(method),
      u16(0),
      u16(0x21),
      sizes,
      u16(name.length),
      u16(0),
      name,
      stored,
      streamed ? concat(ascii('PK\x07\x08'), u32(crc), u32(stored.length), u32(file.data.length)) : [],
    );
    centrals.push(
      concat(
        ascii('PK\x01\x02'),
        u16(20),
        u16(20),
        u16(flags),
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

const xml = (text: string) => ({ data: utf8(`<?xml version="1.0" encoding="UTF-8"?>${text}`), deflate: true });
const contentTypes = (main: string) => ({
  name: '[Content_Types].xml',
  ...xml(
    `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="${main}"/></Types>`,
  ),
});
const rels = { name: '_rels/.rels', ...xml('<Relationships/>') };
const docxFiles = () => [
  contentTypes('/word/document.xml'),
  rels,
  { name: 'word/document.xml', ...xml('<w:document/>') },
];
const docx = () => zip(docxFiles());
const xlsx = () =>
  zip([
    contentTypes('/xl/workbook.xml'),
    rels,
    { name: 'xl/workbook.xml', ...xml('<workbook/>') },
    { name: 'xl/worksheets/sheet1.xml', ...xml('<worksheet/>') },
  ]);
const odf = (kind: string, { compressMimetype = false, mimetypeFirst = true } = {}) => {
  const mimetype = {
    name: 'mimetype',
    data: ascii(`application/vnd.oasis.opendocument.${kind}`),
    deflate: compressMimetype,
  };
  const rest = [
    { name: 'META-INF/manifest.xml', ...xml('<manifest:manifest/>') },
    { name: 'content.xml', ...xml('<office:document-content/>') },
  ];
  return zip(mimetypeFirst ? [mimetype, ...rest] : [...rest, mimetype]);
};
const plainZip = () =>
  zip([
    { name: 'notes.txt', data: utf8('hello') },
    { name: 'photos/a.png', data: png() },
  ]);
const emptyZip = () => concat(ascii('PK\x05\x06'), new Uint8Array(18));

const WORD_CLSID = '00020906-0000-0000-c000-000000000046';
const EXCEL_CLSID = '00020820-0000-0000-c000-000000000046';
const MSI_CLSID = '000c1084-0000-0000-c000-000000000046';
const NULL_CLSID = '00000000-0000-0000-0000-000000000000';

/** The on-disk (mixed-endian) bytes of a GUID string. */
function clsidBytes(clsid: string): number[] {
  const [a, b, c, d, e] = clsid.split('-') as [string, string, string, string, string];
  const hex = (s: string) => s.match(/../g)!.map((h) => parseInt(h, 16));
  return [...hex(a).reverse(), ...hex(b).reverse(), ...hex(c).reverse(), ...hex(d), ...hex(e)];
}

interface OleOptions {
  clsid: string;
  streams: string[];
  /** 9 (512-byte sectors, version 3) or 12 (4096-byte sectors, version 4) */
  sectorShift?: 9 | 12;
  /** Empty sectors placed before the directory, to push it further into the file. */
  padding?: number;
}

/**
 * A compound file: header, one FAT sector, `padding` empty sectors, then the directory (root entry first, then one
 * entry per stream name), chained through the FAT when it needs more than one sector.
 */
function ole({ clsid, streams, sectorShift = 9, padding = 0 }: OleOptions): Uint8Array {
  const sectorSize = 1 << sectorShift;
  const entries = [
    { name: 'Root Entry', type: 5, clsid },
    ...streams.map((name) => ({ name, type: 2, clsid: NULL_CLSID })),
  ];
  const entriesPerSector = sectorSize / 128;
  const directorySectors = Math.ceil(entries.length / entriesPerSector);
  const firstDirectory = 1 + padding;
  const total = firstDirectory + directorySectors;
  const header = new Uint8Array(sectorSize);
  header.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
  header.set([...u16(0x3e), ...u16(sectorShift === 9 ? 3 : 4), 0xfe, 0xff, ...u16(sectorShift), ...u16(6)], 24);
  header.set(u32(1), 44); // one FAT sector
  header.set(u32(firstDirectory), 48);
  header.set(u32(4096), 56);
  header.set([...u32(0xfffffffe), ...u32(0), ...u32(0xfffffffe), ...u32(0)], 60);
  for (let i = 0; i < 109; i++) header.set(u32(i === 0 ? 0 : 0xffffffff), 76 + i * 4);
  const fat = new Uint8Array(sectorSize).fill(0xff);
  fat.set(u32(0xfffffffd), 0); // sector 0 holds the FAT
  for (let s = 0; s < directorySectors; s++) {
    const sector = firstDirectory + s;
    fat.set(u32(s === directorySectors - 1 ? 0xfffffffe : sector + 1), sector * 4);
  }
  const sectors = Array.from({ length: total }, () => new Uint8Array(sectorSize));
  sectors[0] = fat;
  entries.forEach((entry, i) => {
    const sector = sectors[firstDirectory + Math.floor(i / entriesPerSector)]!;
    const at = (i % entriesPerSector) * 128;
    const name = Uint8Array.from(Array.from(entry.name).flatMap((c) => u16(c.charCodeAt(0))));
    sector.set(name, at);
    sector.set(u16(name.length + 2), at + 64);
    sector[at + 66] = entry.type;
    sector.set([...u32(0xffffffff), ...u32(0xffffffff), ...u32(0xffffffff)], at + 68);
    sector.set(clsidBytes(entry.clsid), at + 80);
    sector.set(u32(0xfffffffe), at + 116);
  });
  return concat(header, ...sectors);
}

const WORD_STREAMS = ['WordDocument', '1Table', '\u0005SummaryInformation', '\u0005DocumentSummaryInformation'];
const doc = (options: Partial<OleOptions> = {}) => ole({ clsid: WORD_CLSID, streams: WORD_STREAMS, ...options });
const xls = () => ole({ clsid: EXCEL_CLSID, streams: ['Workbook', '\u0005SummaryInformation'] });
/** An installer: MSI root CLSID and its encoded stream names. */
const msi = (clsid = MSI_CLSID) =>
  ole({
    clsid,
    streams: [
      '\u4840\u3b3f\u4577\u446c\u3b6a\u45e4\u4824',
      '\u0005SummaryInformation',
      '\u4840\u3f7f\u4164\u422f\u4836',
    ],
  });

const textFixtures = {
  ascii: ascii('Hello, world.\r\nSecond line\twith a tab.\n'),
  utf8Bom: concat([0xef, 0xbb, 0xbf], utf8('Grüße, 世界 👋\n')),
  csv: utf8('name,email\n"Lee, Ann",ann@example.com\n'),
  json: utf8('{"a": [1, 2, "ü"]}'),
  python: utf8('#!/usr/bin/env python3\nprint("hi")\n'),
  html: utf8('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>'),
  svg: utf8('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="5"/></svg>'),
  ansi: utf8('\u001b[31mred\u001b[0m\f\v'),
  empty: new Uint8Array(),
  rtf: rtf(),
};

const binaryFixtures = {
  png: png(),
  jpeg: jpeg(),
  gif87: gif('87a'),
  gif89: gif('89a'),
  webp: webp(),
  bmp: bmp(),
  pdf: pdf(),
  sevenZip: sevenZip(),
  mp3Id3: mp3Id3(),
  mp3Frame: mp3Frame(),
  wav: wav(),
  avi: avi(),
  mp4: mp4(),
  movFtyp: movFtyp(),
  movWide: movWide(),
  movMoov: movMoov(),
  doc: doc(),
  docNullClsid: doc({ clsid: NULL_CLSID }),
  xls: xls(),
  msi: msi(),
  docx: docx(),
  docxStreamed: zip(docxFiles(), { streamed: true }),
  xlsx: xlsx(),
  odt: odf('text'),
  ods: odf('spreadsheet'),
  odp: odf('presentation'),
  plainZip: plainZip(),
  emptyZip: emptyZip(),
  mz: mz(),
  elf: elf(),
  utf16: Uint8Array.from([0xff, 0xfe, ...Array.from('hello', (c) => [c.charCodeAt(0), 0]).flat()]),
  latin1: Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x0a]), // "café" in Latin-1: not UTF-8
  nul: utf8('text with a \0 NUL'),
  random: Uint8Array.from({ length: 512 }, (_, i) => (i * 7919 + 13) % 251),
};

const FIXTURES: Record<string, Uint8Array> = { ...textFixtures, ...binaryFixtures };
type FixtureName = keyof typeof FIXTURES;

const TEXT = Object.keys(textFixtures);
const ZIPS = ['docx', 'docxStreamed', 'xlsx', 'odt', 'ods', 'odp', 'plainZip', 'emptyZip'];
/** Which fixtures each extension accepts; every other pairing must be refused as a mismatch. */
const ACCEPTS: Record<string, FixtureName[]> = {
  png: ['png'],
  jpg: ['jpeg'],
  jpeg: ['jpeg'],
  gif: ['gif87', 'gif89'],
  webp: ['webp'],
  bmp: ['bmp'],
  pdf: ['pdf'],
  rtf: ['rtf'],
  doc: ['doc', 'docNullClsid'],
  xls: ['xls'],
  docx: ['docx', 'docxStreamed'],
  xlsx: ['xlsx'],
  odt: ['odt'],
  ods: ['ods'],
  odp: ['odp'],
  zip: ZIPS,
  '7z': ['sevenZip'],
  mp3: ['mp3Id3', 'mp3Frame'],
  wav: ['wav'],
  avi: ['avi'],
  mp4: ['mp4', 'movFtyp'],
  mov: ['mp4', 'movFtyp', 'movWide', 'movMoov'],
  txt: TEXT,
  csv: TEXT,
  json: TEXT,
  py: TEXT,
  js: TEXT,
  css: TEXT,
  html: TEXT,
};

// ---- tests -----------------------------------------------------------------------------------------------------

describe('detectFileKind: every extension against every fixture', () => {
  it('covers every allowed extension', () => {
    expect(Object.keys(ACCEPTS).sort()).toEqual([...ALLOWED_FILE_EXTENSIONS].sort());
  });

  it.each(Object.entries(ACCEPTS))('.%s accepts exactly %j', (extension, accepted) => {
    for (const [name, bytes] of Object.entries(FIXTURES)) {
      const result = detectFileKind(bytes, extension, { complete: true });
      const expected = accepted.includes(name) ? true : 'file_type_mismatch';
      expect(result.ok ? true : result.code, `${name} as .${extension}`).toBe(expected);
    }
  });
});

describe('detectFileKind: results', () => {
  it('describes a PNG as an inline-safe image', () => {
    expect(detectFileKind(png(), 'png')).toEqual({
      ok: true,
      extension: 'png',
      mime: 'image/png',
      isImage: true,
      inlineSafe: true,
      isText: false,
    });
  });

  it.each([
    ['png', 'png', 'image/png', true, true],
    ['jpeg', 'jpg', 'image/jpeg', true, true],
    ['jpeg', 'jpeg', 'image/jpeg', true, true],
    ['gif89', 'gif', 'image/gif', true, true],
    ['webp', 'webp', 'image/webp', true, true],
    ['bmp', 'bmp', 'image/bmp', true, false],
    ['pdf', 'pdf', 'application/pdf', false, false],
    ['rtf', 'rtf', 'application/rtf', false, false],
    ['doc', 'doc', 'application/msword', false, false],
    ['xls', 'xls', 'application/vnd.ms-excel', false, false],
    ['docx', 'docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', false, false],
    ['xlsx', 'xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', false, false],
    ['odt', 'odt', 'application/vnd.oasis.opendocument.text', false, false],
    ['ods', 'ods', 'application/vnd.oasis.opendocument.spreadsheet', false, false],
    ['odp', 'odp', 'application/vnd.oasis.opendocument.presentation', false, false],
    ['plainZip', 'zip', 'application/zip', false, false],
    ['sevenZip', '7z', 'application/x-7z-compressed', false, false],
    ['mp3Id3', 'mp3', 'audio/mpeg', false, false],
    ['wav', 'wav', 'audio/wav', false, false],
    ['mp4', 'mp4', 'video/mp4', false, false],
    ['movWide', 'mov', 'video/quicktime', false, false],
    ['avi', 'avi', 'video/x-msvideo', false, false],
    ['ascii', 'txt', 'text/plain; charset=utf-8', false, false],
    ['csv', 'csv', 'text/csv; charset=utf-8', false, false],
    ['json', 'json', 'application/json; charset=utf-8', false, false],
    ['python', 'py', 'text/x-python; charset=utf-8', false, false],
    ['html', 'js', 'text/javascript; charset=utf-8', false, false],
    ['ascii', 'css', 'text/css; charset=utf-8', false, false],
    ['html', 'html', 'text/html; charset=utf-8', false, false],
  ] as const)('%s as .%s → %s (image %s, inline %s)', (fixture, extension, mime, isImage, inlineSafe) => {
    const result = detectFileKind(FIXTURES[fixture]!, extension);
    expect(result).toMatchObject({ ok: true, extension, mime, isImage, inlineSafe });
  });

  it('marks text types as text so the caller validates the rest of the file', () => {
    for (const extension of ['txt', 'csv', 'json', 'py', 'js', 'css', 'html']) {
      expect(detectFileKind(textFixtures.ascii, extension)).toMatchObject({
        ok: true,
        isText: true,
        inlineSafe: false,
      });
    }
    expect(detectFileKind(png(), 'png')).toMatchObject({ isText: false });
  });

  it('gives a human message with each refusal', () => {
    expect(detectFileKind(mz(), 'png')).toEqual({
      ok: false,
      code: 'file_type_mismatch',
      message: "This file's content does not match its .png extension.",
    });
    expect(detectFileKind(png(), 'exe')).toEqual({
      ok: false,
      code: 'file_type_not_allowed',
      message: 'Files of type .exe are not accepted.',
    });
    expect(detectFileKind(png(), '')).toEqual({
      ok: false,
      code: 'file_type_not_allowed',
      message: 'Files without an extension are not accepted.',
    });
  });
});

describe('detectFileKind: extensions', () => {
  it('accepts the extension in any case and with a leading dot', () => {
    expect(detectFileKind(png(), 'PNG')).toMatchObject({ ok: true, extension: 'png' });
    expect(detectFileKind(png(), '.png')).toMatchObject({ ok: true, extension: 'png' });
  });

  it.each([
    'svg',
    'svgz',
    'exe',
    'msi',
    'bat',
    'sh',
    'php',
    'htm',
    'xhtml',
    'jar',
    'apk',
    'dll',
    'scr',
    'lnk',
    'iso',
    'heic',
    'constructor',
    '__proto__',
  ])('refuses .%s as not allowed, whatever the content', (extension) => {
    for (const bytes of [png(), textFixtures.svg, mz(), plainZip()]) {
      expect(detectFileKind(bytes, extension)).toMatchObject({ ok: false, code: 'file_type_not_allowed' });
    }
  });

  it('lets an admin narrow the list, never widen it', () => {
    const allowed = ['png', 'pdf', 'svg'];
    expect(detectFileKind(png(), 'png', { allowed })).toMatchObject({ ok: true });
    expect(detectFileKind(docx(), 'docx', { allowed })).toMatchObject({ ok: false, code: 'file_type_not_allowed' });
    expect(detectFileKind(textFixtures.svg, 'svg', { allowed })).toMatchObject({
      ok: false,
      code: 'file_type_not_allowed',
    });
    expect(detectFileKind(png(), 'png', { allowed: [] })).toMatchObject({ ok: false, code: 'file_type_not_allowed' });
  });
});

describe('detectFileKind: the adversarial cases', () => {
  it('refuses an .exe renamed .png, .jpg, .pdf, .txt, .zip or .doc', () => {
    for (const extension of ['png', 'jpg', 'pdf', 'txt', 'zip', 'doc', 'docx', 'mp4', 'html', 'csv']) {
      expect(detectFileKind(mz(), extension)).toMatchObject({ ok: false, code: 'file_type_mismatch' });
      expect(detectFileKind(elf(), extension)).toMatchObject({ ok: false, code: 'file_type_mismatch' });
    }
  });

  it('refuses HTML and SVG named .png, .gif or .jpg', () => {
    for (const extension of ['png', 'gif', 'jpg', 'webp', 'bmp']) {
      expect(detectFileKind(textFixtures.html, extension)).toMatchObject({ code: 'file_type_mismatch' });
      expect(detectFileKind(textFixtures.svg, extension)).toMatchObject({ code: 'file_type_mismatch' });
    }
  });

  it('refuses a .docx that is a plain zip, an OpenDocument file or a spreadsheet', () => {
    expect(detectFileKind(plainZip(), 'docx')).toMatchObject({ ok: false, code: 'file_type_mismatch' });
    expect(detectFileKind(odf('text'), 'docx')).toMatchObject({ ok: false, code: 'file_type_mismatch' });
    expect(detectFileKind(xlsx(), 'docx')).toMatchObject({ ok: false, code: 'file_type_mismatch' });
    expect(detectFileKind(docx(), 'xlsx')).toMatchObject({ ok: false, code: 'file_type_mismatch' });
  });

  it('refuses a docx-like zip without [Content_Types].xml or without a word/ part', () => {
    expect(detectFileKind(zip([rels, { name: 'word/document.xml', ...xml('<w/>') }]), 'docx')).toMatchObject({
      ok: false,
    });
    expect(
      detectFileKind(zip([contentTypes('/x'), rels, { name: 'wordy.xml', ...xml('<w/>') }]), 'docx'),
    ).toMatchObject({ ok: false });
    expect(
      detectFileKind(
        zip([
          { name: 'sub/[Content_Types].xml', ...xml('<T/>') },
          { name: 'word/d.xml', ...xml('<w/>') },
        ]),
        'docx',
      ),
    ).toMatchObject({ ok: false });
  });

  it('refuses a .doc or .xls that is an installer (.msi)', () => {
    expect(detectFileKind(msi(), 'doc')).toMatchObject({ ok: false, code: 'file_type_mismatch' });
    expect(detectFileKind(msi(), 'xls')).toMatchObject({ ok: false, code: 'file_type_mismatch' });
    expect(readCompoundDirectory(msi())?.rootClsid).toBe(MSI_CLSID);
  });

  it('refuses an installer disguised with Word’s CLSID: it has no WordDocument stream', () => {
    expect(detectFileKind(msi(WORD_CLSID), 'doc')).toMatchObject({ ok: false, code: 'file_type_mismatch' });
  });

  it('refuses a WordDocument stream under a foreign CLSID, and Word and Excel files swapped', () => {
    expect(detectFileKind(ole({ clsid: MSI_CLSID, streams: WORD_STREAMS }), 'doc')).toMatchObject({ ok: false });
    expect(detectFileKind(doc(), 'xls')).toMatchObject({ ok: false });
    expect(detectFileKind(xls(), 'doc')).toMatchObject({ ok: false });
  });

  it('refuses ODF with a compressed, misplaced or wrong mimetype entry', () => {
    expect(detectFileKind(odf('text', { compressMimetype: true }), 'odt')).toMatchObject({ ok: false });
    expect(detectFileKind(odf('text', { mimetypeFirst: false }), 'odt')).toMatchObject({ ok: false });
    expect(detectFileKind(odf('text-template'), 'odt')).toMatchObject({ ok: false });
    expect(detectFileKind(odf('spreadsheet'), 'odt')).toMatchObject({ ok: false });
  });

  it('refuses a self-extracting archive (executable then zip) named .zip', () => {
    expect(detectFileKind(concat(mz(), plainZip()), 'zip')).toMatchObject({ ok: false, code: 'file_type_mismatch' });
  });

  it('refuses text in other encodings or with binary bytes', () => {
    for (const name of ['utf16', 'latin1', 'nul'] as const) {
      expect(detectFileKind(binaryFixtures[name], 'txt')).toMatchObject({ ok: false, code: 'file_type_mismatch' });
    }
    expect(detectFileKind(utf8('a\u0001b'), 'txt')).toMatchObject({ ok: false });
    expect(detectFileKind(Uint8Array.from([0x61, 0xc0, 0xaf]), 'txt')).toMatchObject({ ok: false }); // overlong "/"
    expect(detectFileKind(Uint8Array.from([0xed, 0xa0, 0x80]), 'txt')).toMatchObject({ ok: false }); // a surrogate
  });

  it('refuses binary formats named as text even when their head is text-like', () => {
    expect(detectFileKind(ascii('%PDF-1.4\n1 0 obj<<>>endobj\n'), 'txt')).toMatchObject({ ok: false });
    expect(detectFileKind(ascii('GIF89a'), 'txt')).toMatchObject({ ok: false });
  });

  it('accepts text that merely starts like a signature', () => {
    expect(detectFileKind(ascii('MZ,Mozambique\nMW,Malawi\n'), 'csv')).toMatchObject({ ok: true });
    expect(detectFileKind(ascii('ID3 tags are metadata.'), 'txt')).toMatchObject({ ok: true });
    expect(detectFileKind(ascii('BMW, Audi'), 'csv')).toMatchObject({ ok: true });
    expect(detectFileKind(ascii('RIFF is a container.'), 'txt')).toMatchObject({ ok: true });
  });

  it('refuses text-like content that starts with "BM" as a .bmp', () => {
    expect(detectFileKind(ascii('BMW, Audi, and more text here'), 'bmp')).toMatchObject({ ok: false });
  });

  it('refuses ADTS AAC (reserved layer), Layer I/II, a UTF-16 BOM and other 0xFF starts as .mp3', () => {
    expect(detectFileKind(Uint8Array.from([0xff, 0xfe, 0x68, 0x00]), 'mp3')).toMatchObject({ ok: false });
    expect(detectFileKind(Uint8Array.from([0xff, 0xfd, 0x90, 0x00]), 'mp3')).toMatchObject({ ok: false }); // Layer II
    expect(detectFileKind(Uint8Array.from([0xff, 0xf3, 0x90, 0x00]), 'mp3')).toMatchObject({ ok: true }); // MPEG-2 L3
    expect(detectFileKind(Uint8Array.from([0xff, 0xe3, 0x90, 0x00]), 'mp3')).toMatchObject({ ok: true }); // MPEG-2.5 L3
    expect(detectFileKind(Uint8Array.from([0xff, 0xf1, 0x50, 0x80]), 'mp3')).toMatchObject({ ok: false });
    expect(detectFileKind(Uint8Array.from([0xff, 0xfb, 0xf0, 0x00]), 'mp3')).toMatchObject({ ok: false }); // bad bitrate
    expect(detectFileKind(Uint8Array.from([0xff, 0xd8, 0xff]), 'mp3')).toMatchObject({ ok: false });
  });

  it('needs the PNG IHDR chunk, not just the signature', () => {
    expect(detectFileKind(png().subarray(0, 8), 'png')).toMatchObject({ ok: false });
    expect(detectFileKind(png().subarray(0, 16), 'png')).toMatchObject({ ok: true });
  });

  it('needs a WebP chunk after the RIFF header', () => {
    expect(detectFileKind(riff('WEBP', ascii('JUNK')), 'webp')).toMatchObject({ ok: false });
  });

  it('refuses empty files for every binary type and accepts them as text', () => {
    for (const extension of ALLOWED_FILE_EXTENSIONS) {
      const expected = ACCEPTS[extension]!.includes('empty');
      expect(detectFileKind(new Uint8Array(), extension).ok, extension).toBe(expected);
    }
  });
});

describe('detectFileKind: heads and whole files', () => {
  it('accepts a text head that ends inside a UTF-8 sequence, unless it is the whole file', () => {
    const cut = utf8('price: 5 €').subarray(0, -1);
    expect(detectFileKind(cut, 'txt')).toMatchObject({ ok: true });
    expect(detectFileKind(cut, 'txt', { complete: true })).toMatchObject({ ok: false, code: 'file_type_mismatch' });
  });

  it('reads a compound directory spread over several chained sectors', () => {
    const streams = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'WordDocument'];
    const file = ole({ clsid: WORD_CLSID, streams });
    expect(readCompoundDirectory(file)).toEqual({ rootClsid: WORD_CLSID, names: streams });
    expect(detectFileKind(file, 'doc')).toMatchObject({ ok: true });
  });

  it('reads 4096-byte-sector files, which need more than the default head', () => {
    const file = doc({ sectorShift: 12 });
    expect(detectFileKind(file, 'doc')).toMatchObject({ ok: true });
    expect(detectFileKind(file.subarray(0, SNIFF_HEAD_BYTES), 'doc')).toMatchObject({
      ok: false,
      code: 'file_type_mismatch',
    });
  });

  it('fails closed when the directory lies beyond the bytes given', () => {
    const file = doc({ padding: 20 });
    expect(detectFileKind(file, 'doc')).toMatchObject({ ok: true });
    expect(detectFileKind(file.subarray(0, 20 * 512), 'doc')).toMatchObject({ ok: false, code: 'file_type_mismatch' });
  });

  it('reads a streamed zip (sizes in data descriptors) by resynchronising on the next header', () => {
    const file = zip(docxFiles(), { streamed: true });
    expect(detectFileKind(file, 'docx')).toMatchObject({ ok: true });
  });

  it('finds [Content_Types].xml written last when given the whole file, and fails closed on a short head', () => {
    const big = { name: 'word/media/image1.png', data: Uint8Array.from({ length: 6000 }, (_, i) => i % 256) };
    const file = zip([rels, { name: 'word/document.xml', ...xml('<w/>') }, big, contentTypes('/word/document.xml')]);
    expect(detectFileKind(file, 'docx')).toMatchObject({ ok: true });
    expect(detectFileKind(file.subarray(0, SNIFF_HEAD_BYTES), 'docx')).toMatchObject({ ok: false });
  });
});

describe('detectFileKind: robustness', () => {
  it('never throws on any prefix of any fixture, for any extension', () => {
    const failures: string[] = [];
    for (const [name, bytes] of Object.entries(FIXTURES)) {
      for (let length = 0; length <= bytes.length; length += length < 200 ? 1 : 127) {
        const head = bytes.subarray(0, length);
        for (const extension of ALLOWED_FILE_EXTENSIONS) {
          try {
            detectFileKind(head, extension);
          } catch (error) {
            failures.push(`${name}[0..${length}] as .${extension}: ${String(error)}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('never throws on corrupted compound file and zip headers', () => {
    const corruptions: Array<[Uint8Array, number, number[]]> = [
      [doc(), 30, [0, 0]], // sector shift 0
      [doc(), 30, [0xff, 0xff]],
      [doc(), 48, [0xf0, 0xff, 0xff, 0xff]], // directory far beyond the file
      [doc(), 48, [0xfe, 0xff, 0xff, 0xff]], // end of chain at once
      [doc(), 76, [0xf0, 0xff, 0xff, 0x7f]], // FAT sector far away
      [docx(), 26, [0xff, 0xff]], // huge name length
      [docx(), 18, [0xff, 0xff, 0xff, 0xff]], // zip64 size marker
      [docx(), 28, [0xff, 0xff]], // huge extra length
    ];
    for (const [original, offset, bytes] of corruptions) {
      const file = original.slice();
      file.set(bytes, offset);
      for (const extension of ['doc', 'xls', 'docx', 'xlsx', 'odt', 'zip']) {
        expect(() => detectFileKind(file, extension)).not.toThrow();
      }
    }
  });

  it('does not loop on a compound file whose directory chain is a cycle', () => {
    const file = ole({ clsid: WORD_CLSID, streams: ['A', 'B', 'C', 'D', 'WordDocument'] });
    // Point the first directory sector (1) back to itself in the FAT (sector 0 holds the FAT).
    file.set(u32(1), 512 + 1 * 4);
    expect(detectFileKind(file, 'doc')).toMatchObject({ ok: false });
  });

  it('accepts a Buffer as well as a Uint8Array, including a view into a larger buffer', () => {
    expect(detectFileKind(Buffer.from(png()), 'png')).toMatchObject({ ok: true });
    const padded = concat(new Uint8Array(7), doc());
    expect(detectFileKind(padded.subarray(7), 'doc')).toMatchObject({ ok: true });
  });

  it('handles a 5 MB text file quickly', () => {
    const big = new Uint8Array(5 * 1024 * 1024).fill(0x61);
    const started = performance.now();
    expect(detectFileKind(big, 'txt', { complete: true })).toMatchObject({ ok: true });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('createTextValidator', () => {
  const validate = (...chunks: Uint8Array[]) => {
    const validator = createTextValidator();
    for (const chunk of chunks) validator.push(chunk);
    return validator.end();
  };

  it('accepts UTF-8 split at any byte across chunks', () => {
    const bytes = utf8('Grüße 世界 👋 done');
    for (let split = 0; split <= bytes.length; split++) {
      expect(validate(bytes.subarray(0, split), bytes.subarray(split)), `split at ${split}`).toBe(true);
    }
  });

  it('accepts a byte-by-byte stream', () => {
    expect(validate(...Array.from(utf8('€😀'), (b) => Uint8Array.of(b)))).toBe(true);
  });

  it('refuses a file that ends inside a sequence', () => {
    expect(validate(utf8('ok'), Uint8Array.of(0xe2, 0x82))).toBe(false);
  });

  it('refuses invalid bytes, NUL and stray controls in any chunk', () => {
    expect(validate(utf8('fine'), Uint8Array.of(0xff))).toBe(false);
    expect(validate(utf8('fine'), Uint8Array.of(0))).toBe(false);
    expect(validate(utf8('a'), Uint8Array.of(0x08))).toBe(false);
  });

  it('accepts tab, newlines, form feed, vertical tab and ESC', () => {
    expect(validate(utf8('\t\n\r\f\v\u001b'))).toBe(true);
  });

  it('stays failed once failed, and reports its state', () => {
    const validator = createTextValidator();
    expect(validator.push(Uint8Array.of(0xff))).toBe(false);
    expect(validator.push(utf8('fine'))).toBe(false);
    expect(validator.ok).toBe(false);
    expect(validator.end()).toBe(false);
  });
});
