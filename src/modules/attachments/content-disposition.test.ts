import { describe, expect, it } from 'vitest';
import { contentDisposition, contentDispositionAttachment } from './content-disposition.js';

/** Decodes the filename* parameter the way a browser does (RFC 8187). */
function extValue(header: string): string | undefined {
  const match = /filename\*=UTF-8''([^;\s]*)/.exec(header);
  return match === null ? undefined : decodeURIComponent(match[1]!);
}

describe('contentDispositionAttachment', () => {
  it('uses only the quoted ASCII name when that is exact', () => {
    expect(contentDispositionAttachment('report.pdf')).toBe('attachment; filename="report.pdf"');
    expect(contentDispositionAttachment('my report (final).pdf')).toBe('attachment; filename="my report (final).pdf"');
  });

  it('adds filename* with the exact UTF-8 name and an accent-stripped ASCII fallback', () => {
    const header = contentDispositionAttachment('résumé.pdf');
    expect(header).toBe(`attachment; filename="resume.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`);
    expect(extValue(header)).toBe('résumé.pdf');
  });

  it('replaces other non-ASCII characters in the fallback with _', () => {
    const header = contentDispositionAttachment('报告 👩\u200D💻.xlsx');
    expect(header).toMatch(/^attachment; filename="[_ ]+\.xlsx"; filename\*=UTF-8''/);
    expect(extValue(header)).toBe('报告 👩\u200D💻.xlsx');
  });

  it("percent-encodes ' ( ) * in filename* as RFC 8187 requires", () => {
    const header = contentDispositionAttachment("l'été (1)*.txt");
    expect(header).toContain("filename*=UTF-8''l%27%C3%A9t%C3%A9%20%281%29_.txt");
    expect(extValue(header)).toBe("l'été (1)_.txt");
  });

  it('escapes quotes and backslashes in the fallback, after sanitising', () => {
    // " is replaced by sanitizeFileName and \ is a separator, so only look-alikes that NFKD folds into them remain.
    const header = contentDispositionAttachment('a＂b.txt'); // fullwidth quotation mark
    expect(header).toContain('filename="a\\"b.txt"');
    expect(extValue(header)).toBe('a＂b.txt');
    expect(contentDispositionAttachment('say "hi".txt')).toBe('attachment; filename="say _hi_.txt"');
  });

  it('never lets a header break out: no CR, LF or unescaped quote', () => {
    for (const name of ['a\r\nSet-Cookie: x=1.txt', 'a"; filename="evil.exe', 'a\u2028b.txt', 'a\u0000b.txt']) {
      const header = contentDispositionAttachment(name);
      expect(header).not.toMatch(/[\p{Cc}\u2028]/u);
      const quoted = /filename="((?:[^"\\]|\\.)*)"/.exec(header)?.[1];
      expect(header.startsWith(`attachment; filename="${quoted}"`)).toBe(true);
      expect(header).toMatch(/^[\x20-\x7E]+$/);
    }
  });

  it('sanitises paths and invisible tricks before encoding', () => {
    expect(contentDispositionAttachment('../../etc/passwd')).toBe('attachment; filename="passwd"');
    expect(contentDispositionAttachment('invoice\u202Efdp.exe')).toBe('attachment; filename="invoicefdp.exe"');
  });

  it('adds filename* when the name holds a percent sign, so no client decodes the fallback', () => {
    const header = contentDispositionAttachment('100%25 done.txt');
    expect(header).toBe(`attachment; filename="100%25 done.txt"; filename*=UTF-8''100%2525%20done.txt`);
    expect(extValue(header)).toBe('100%25 done.txt');
  });

  it('falls back to "download" for a name that sanitises to nothing', () => {
    expect(contentDispositionAttachment('\u202E')).toBe('attachment; filename="download"');
  });

  it('survives lone surrogates (encodeURIComponent would throw)', () => {
    expect(() => contentDispositionAttachment('a\uD800.txt')).not.toThrow();
  });
});

describe('contentDisposition inline', () => {
  it('uses the inline type for safe previews', () => {
    expect(contentDisposition('photo.png', 'inline')).toBe('inline; filename="photo.png"');
  });
});
