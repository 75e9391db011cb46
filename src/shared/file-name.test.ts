import { describe, expect, it } from 'vitest';
import {
  ALLOWED_FILE_EXTENSIONS,
  FILE_NAME_MAX_CODE_POINTS,
  extensionOf,
  isAllowedFileExtension,
  sanitizeFileName,
} from './file-name.js';
import { countCodePoints } from './unicode.js';

const nameOf = (input: string) => {
  const result = sanitizeFileName(input);
  if (!result.ok) throw new Error(`expected ok for ${JSON.stringify(input)}`);
  return result.name;
};

describe('sanitizeFileName: paths', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['/etc/passwd', 'passwd'],
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\windows\\system32\\cmd.exe', 'cmd.exe'],
    ['C:\\Users\\ann\\Desktop\\photo.png', 'photo.png'],
    ['C:/Users/ann/photo.png', 'photo.png'],
    ['dir/sub\\mixed/name.txt', 'name.txt'],
    ['\\\\server\\share\\file.doc', 'file.doc'],
    ['a/b/', ''],
    ['fake／path／evil.txt', 'evil.txt'], // fullwidth solidus
    ['fake∕path⁄evil.txt', 'evil.txt'], // division and fraction slashes
    ['fake＼evil.txt', 'evil.txt'], // fullwidth reverse solidus
  ])('%s → %s', (input, expected) => {
    const result = sanitizeFileName(input);
    expect(result.ok ? result.name : '').toBe(expected);
  });

  it('decodes nothing: percent-encoded traversal stays literal text and has no separator', () => {
    expect(nameOf('%2e%2e%2fetc%2fpasswd')).toBe('%2e%2e%2fetc%2fpasswd');
    expect(nameOf('..%2F..%5Cx.png')).toBe('%2F..%5Cx.png');
    expect(nameOf('&#47;etc&#47;passwd')).toBe('&#47;etc&#47;passwd');
  });

  it('never returns a name with a separator or that is a dot path', () => {
    for (const input of ['..', '.', '...', './', '../', '..\\', '. .', ' . . ', '/..', '\\..']) {
      expect(sanitizeFileName(input)).toEqual({
        ok: false,
        code: 'file_name_invalid',
        message: 'This file has no usable name.',
      });
    }
  });
});

describe('sanitizeFileName: characters', () => {
  it('removes NUL and control characters, so a NUL cannot hide the real extension', () => {
    expect(nameOf('photo.png\u0000.exe')).toBe('photo.png.exe');
    expect(nameOf('a\u0001\u001F\u007F\u0085\u009Fb.txt')).toBe('ab.txt');
  });

  it('removes bidi controls: the RLO trick shows the real extension', () => {
    expect(nameOf('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(extensionOf(nameOf('invoice\u202Efdp.exe'))).toBe('exe');
    expect(nameOf('photo\u2067gnp.js\u2069')).toBe('photognp.js');
    expect(nameOf('\u200Ereport\u200F.pdf')).toBe('report.pdf');
  });

  it('removes invisible characters', () => {
    expect(nameOf('re\u200Bport\uFEFF.p\u00ADdf')).toBe('report.pdf');
    expect(nameOf('file\u{E0041}.txt')).toBe('file.txt');
  });

  it('keeps emoji and other scripts', () => {
    expect(nameOf('résumé 👩\u200D💻.pdf')).toBe('résumé 👩\u200D💻.pdf');
    expect(nameOf('отчёт.docx')).toBe('отчёт.docx');
    expect(nameOf('报告.xlsx')).toBe('报告.xlsx');
  });

  it('applies NFC', () => {
    expect(nameOf('re\u0301sume\u0301.pdf')).toBe('résumé.pdf');
  });

  it('replaces the characters Windows refuses with _', () => {
    expect(nameOf('a<b>c:d"e|f?g*h.txt')).toBe('a_b_c_d_e_f_g_h.txt');
    expect(nameOf('file.txt:secret.exe')).toBe('file.txt_secret.exe');
  });

  it('collapses whitespace to single spaces', () => {
    expect(nameOf('my   great\t\nfile .txt')).toBe('my great file .txt');
  });

  it('trims dots and spaces at both ends', () => {
    expect(nameOf('  report.pdf  ')).toBe('report.pdf');
    expect(nameOf('evil.exe.')).toBe('evil.exe');
    expect(nameOf('evil.exe . . ')).toBe('evil.exe');
    expect(nameOf('...hidden.txt')).toBe('hidden.txt');
    expect(nameOf('.htaccess')).toBe('htaccess');
  });

  it('replaces lone surrogates', () => {
    expect(nameOf('a\uD800.txt')).toBe('a\uFFFD.txt');
  });

  it('refuses names that clean to nothing', () => {
    for (const input of ['', '   ', '\u0000', '\u202E\u200B', '...', '/', '\\']) {
      expect(sanitizeFileName(input)).toMatchObject({ ok: false, code: 'file_name_invalid' });
    }
  });
});

describe('sanitizeFileName: length', () => {
  it('keeps names of 200 code points', () => {
    const name = `${'a'.repeat(196)}.pdf`;
    expect(nameOf(name)).toBe(name);
  });

  it('cuts longer names to 200 code points, keeping the extension', () => {
    const name = nameOf(`${'a'.repeat(300)}.pdf`);
    expect(countCodePoints(name)).toBe(FILE_NAME_MAX_CODE_POINTS);
    expect(name).toBe(`${'a'.repeat(196)}.pdf`);
  });

  it('counts code points, and never cuts a surrogate pair', () => {
    const name = nameOf(`${'😀'.repeat(300)}.png`);
    expect(countCodePoints(name)).toBe(200);
    expect(name).toBe(`${'😀'.repeat(196)}.png`);
    expect(name).not.toMatch(/\uFFFD/);
  });

  it('drops a dangling joiner and trailing dots or spaces left by the cut', () => {
    const family = '👨\u200D👩\u200D👧';
    expect(nameOf(`${'a'.repeat(195)}${family}x.txt`)).toBe(`${'a'.repeat(195)}👨.txt`);
    expect(nameOf(`${'a'.repeat(194)}. ${'b'.repeat(50)}.txt`)).toBe(`${'a'.repeat(194)}.txt`);
  });

  it('cuts plainly when the "extension" is too long to be one', () => {
    const name = nameOf(`a.${'b'.repeat(300)}`);
    expect(name).toBe(`a.${'b'.repeat(198)}`);
  });

  it('handles huge input quickly, keeping its end', () => {
    const name = nameOf(`${'x'.repeat(1_000_000)}.txt`);
    expect(name.endsWith('.txt')).toBe(true);
    expect(countCodePoints(name)).toBe(200);
  });
});

describe('extensionOf', () => {
  it.each([
    ['photo.PNG', 'png'],
    ['archive.tar.gz', 'gz'],
    ['noext', ''],
    ['.bashrc', ''],
    ['trailing.', ''],
    ['dir.d/file', ''],
    ['dir\\file.TXT', 'txt'],
    ['Résumé.Pdf', 'pdf'],
    ['a.7Z', '7z'],
  ])('%s → "%s"', (name, extension) => {
    expect(extensionOf(name)).toBe(extension);
  });
});

describe('ALLOWED_FILE_EXTENSIONS', () => {
  it('is the product list, lower case, without duplicates or svg', () => {
    expect([...ALLOWED_FILE_EXTENSIONS].sort()).toEqual(
      [
        ...['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp'],
        ...['pdf', 'txt', 'rtf', 'doc', 'docx', 'odt', 'ods', 'odp', 'xls', 'xlsx', 'csv', 'json'],
        ...['py', 'js', 'css', 'html'],
        ...['mp3', 'wav', 'mp4', 'mov', 'avi'],
        ...['zip', '7z'],
      ].sort(),
    );
    expect(isAllowedFileExtension('svg')).toBe(false);
    expect(isAllowedFileExtension('PNG')).toBe(false); // callers pass extensionOf(), which lower-cases
    expect(isAllowedFileExtension('png')).toBe(true);
  });
});
