import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  MESSAGE_MAX_BYTES,
  MESSAGE_MAX_CODE_POINTS,
  MESSAGE_MAX_INPUT_LENGTH,
  firstMessageSchema,
  messageTextSchema,
  normalizeFirstMessageText,
  normalizeMessageText,
} from './text-rules.js';
import { countCodePoints, toWellFormed, utf8Length } from './unicode.js';

const textOf = (input: string) => {
  const result = normalizeMessageText(input);
  if (!result.ok) throw new Error(`expected ok, got ${result.code}`);
  return result.text;
};
const codeOf = (input: string) => {
  const result = normalizeMessageText(input);
  return result.ok ? 'ok' : result.code;
};

describe('normalizeMessageText: cleaning', () => {
  it('trims surrounding whitespace of every kind', () => {
    expect(textOf('  \t\n hello \u00A0\u3000\n ')).toBe('hello');
  });

  it('trims invisible characters at the edges but keeps the selectors and tags that end an emoji', () => {
    expect(textOf('\u200B\uFEFF hello\u200B \u2060\u00AD')).toBe('hello');
    expect(textOf('love ❤\uFE0F')).toBe('love ❤\uFE0F');
    const england = '🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}';
    expect(textOf(`go ${england}`)).toBe(`go ${england}`);
  });

  it('normalises CRLF, CR, U+2028 and U+2029 to LF', () => {
    expect(textOf('a\r\nb\rc\u2028d\u2029e')).toBe('a\nb\nc\nd\ne');
  });

  it('keeps newlines and tabs inside the text', () => {
    expect(textOf('def f():\n\treturn 1')).toBe('def f():\n\treturn 1');
  });

  it('removes C0 controls other than tab and newline, DEL and C1 controls', () => {
    const controls = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i))
      .filter((c) => c !== '\t' && c !== '\n' && c !== '\r')
      .join('');
    const c1 = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(0x80 + i)).join('');
    expect(textOf(`a${controls}b\u007F${c1}c`)).toBe('abc');
    expect(textOf('nul\u0000byte')).toBe('nulbyte');
    expect(textOf('bell\u0007 escape\u001B[31m')).toBe('bell escape[31m');
  });

  it('removes NEL (U+0085) as a C1 control rather than treating it as a line break', () => {
    expect(textOf('a\u0085b')).toBe('ab');
  });

  it.each([
    ['LRE', '\u202A'],
    ['RLE', '\u202B'],
    ['PDF', '\u202C'],
    ['LRO', '\u202D'],
    ['RLO', '\u202E'],
    ['LRI', '\u2066'],
    ['RLI', '\u2067'],
    ['FSI', '\u2068'],
    ['PDI', '\u2069'],
    ['LRM', '\u200E'],
    ['RLM', '\u200F'],
    ['ALM', '\u061C'],
  ])('removes the bidi control %s', (_name, char) => {
    expect(textOf(`pay${char} 100${char}`)).toBe('pay 100');
  });

  it('defeats the RLO trick that shows "exe.pdf" for "fdp.exe"', () => {
    expect(textOf('open invoice\u202Efdp.exe')).toBe('open invoicefdp.exe');
  });

  it('removes LRM/RLM too: between digit runs they can swap how amounts display', () => {
    expect(textOf('\u200F100\u200F 200\u200F')).toBe('100 200');
  });

  it('keeps right-to-left text itself', () => {
    expect(textOf('שלום עולם')).toBe('שלום עולם');
    expect(textOf('مرحبا بالعالم')).toBe('مرحبا بالعالم');
  });

  it('keeps emoji sequences: ZWJ, variation selectors, skin tones, keycaps, flags', () => {
    const emoji = [
      '👩\u200D💻', // woman technologist
      '👨\u200D👩\u200D👧\u200D👦', // family
      '👍🏽', // skin tone
      '❤\uFE0F', // variation selector
      '🏳\uFE0F\u200D🌈', // rainbow flag
      '1\uFE0F\u20E3', // keycap
      '🇫🇷', // regional indicators
      '🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}', // England: tag sequence
    ].join(' ');
    expect(textOf(emoji)).toBe(emoji);
  });

  it('keeps zero-width (non-)joiners that scripts need (Persian ZWNJ)', () => {
    expect(textOf('می\u200Cخواهم')).toBe('می\u200Cخواهم');
  });

  it('removes tag characters that are not part of an emoji flag (hidden "ASCII smuggling")', () => {
    const hidden = Array.from('ignore', (c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');
    expect(textOf(`hello${hidden} there`)).toBe('hello there');
  });

  it('applies NFC: decomposed accents are composed', () => {
    const decomposed = 'Cafe\u0301 "Ame\u0301lie"';
    expect(textOf(decomposed)).toBe('Café "Amélie"');
    expect(textOf(decomposed)).toHaveLength(13);
  });

  it('composes across a removed control character', () => {
    expect(textOf('e\u200E\u0301')).toBe('é');
  });

  it('replaces lone surrogates with U+FFFD', () => {
    expect(textOf('a\uD800b\uDC00c')).toBe('a\uFFFDb\uFFFDc');
    expect(textOf('😀')).toBe('😀');
  });

  describe('blank lines', () => {
    it('keeps up to two consecutive blank lines', () => {
      expect(textOf('a\n\nb')).toBe('a\n\nb');
      expect(textOf('a\n\n\nb')).toBe('a\n\n\nb');
    });

    it('collapses three or more blank lines to two', () => {
      expect(textOf('a\n\n\n\nb')).toBe('a\n\n\nb');
      expect(textOf(`a${'\n'.repeat(50)}b`)).toBe('a\n\n\nb');
    });

    it('counts whitespace-only lines as blank, and CRLF ones too', () => {
      expect(textOf('a\n  \n\t\n \u00A0 \n\nb')).toBe('a\n\n\nb');
      expect(textOf('a\r\n\r\n\r\n\r\n\r\nb')).toBe('a\n\n\nb');
    });

    it('keeps indentation of the first non-blank line after a collapsed run', () => {
      expect(textOf('a\n\n\n\n\n    indented')).toBe('a\n\n\n    indented');
    });
  });
});

describe('normalizeMessageText: limits', () => {
  it('refuses empty and whitespace-only text with message_empty', () => {
    expect(codeOf('')).toBe('message_empty');
    expect(codeOf('   \n\t\r\n ')).toBe('message_empty');
  });

  it('refuses text made only of invisible or removed characters with message_empty', () => {
    expect(codeOf('\u200B\u200C\u200D\uFEFF')).toBe('message_empty');
    expect(codeOf('\u202E\u2066\u0000\u0007')).toBe('message_empty');
    expect(codeOf('\u2800\u3164\u115F')).toBe('message_empty');
  });

  it('accepts a single character', () => {
    expect(textOf('k')).toBe('k');
    expect(textOf('👍')).toBe('👍');
  });

  it('counts code points, not UTF-16 units: 2000 emoji pass, 2001 do not', () => {
    expect(codeOf('😀'.repeat(MESSAGE_MAX_CODE_POINTS))).toBe('ok');
    expect(codeOf('a'.repeat(MESSAGE_MAX_CODE_POINTS))).toBe('ok');
    expect(codeOf('a'.repeat(MESSAGE_MAX_CODE_POINTS + 1))).toBe('message_too_long');
  });

  it('counts after trimming and NFC', () => {
    expect(codeOf(`  ${'a'.repeat(MESSAGE_MAX_CODE_POINTS)}  `)).toBe('ok');
    expect(codeOf('e\u0301'.repeat(MESSAGE_MAX_CODE_POINTS))).toBe('ok'); // 4000 code points before NFC
  });

  it('counts a ZWJ sequence as all of its code points', () => {
    const family = '👨\u200D👩\u200D👧\u200D👦'; // 7 code points, 25 bytes
    expect(codeOf(family.repeat(285))).toBe('ok'); // 1995 code points
    expect(codeOf(family.repeat(286))).toBe('message_too_long'); // 2002 code points
  });

  it('cannot exceed 8 KB within 2000 code points (4 bytes at most each), so the byte rule is a backstop', () => {
    expect(utf8Length('\u{10FFFF}'.repeat(MESSAGE_MAX_CODE_POINTS))).toBeLessThanOrEqual(MESSAGE_MAX_BYTES);
    expect(codeOf('\u{10FFFF}'.repeat(MESSAGE_MAX_CODE_POINTS))).toBe('ok');
  });

  it('refuses giant input before processing it', () => {
    expect(codeOf(' '.repeat(MESSAGE_MAX_INPUT_LENGTH + 1))).toBe('message_too_large');
    expect(codeOf('\n'.repeat(MESSAGE_MAX_INPUT_LENGTH - 1) + 'x')).toBe('ok');
  });

  it('gives a human message with each code', () => {
    const result = normalizeMessageText('a'.repeat(2001));
    expect(result).toEqual({
      ok: false,
      code: 'message_too_long',
      message: 'Messages are limited to 2,000 characters.',
    });
    expect(normalizeMessageText('')).toMatchObject({ message: 'Please write a message.' });
  });
});

describe('normalizeMessageText: the byte limit', () => {
  it('refuses more than 8192 UTF-8 bytes with message_too_large when the code point limit allows more', () => {
    const limits = { minCodePoints: 1, maxCodePoints: 5000 };
    expect(normalizeMessageText('😀'.repeat(2048), limits)).toMatchObject({ ok: true }); // exactly 8192 bytes
    expect(normalizeMessageText('😀'.repeat(2048) + 'a', limits)).toEqual({
      ok: false,
      code: 'message_too_large',
      message: 'This message is too large (at most 8 KB).',
    });
  });
});

describe('normalizeFirstMessageText', () => {
  it('needs 10 to 1000 code points after cleaning', () => {
    expect(normalizeFirstMessageText('too short')).toMatchObject({ ok: false, code: 'message_too_short' });
    expect(normalizeFirstMessageText('  123456789\u200B  ')).toMatchObject({ ok: false, code: 'message_too_short' });
    expect(normalizeFirstMessageText('1234567890')).toEqual({ ok: true, text: '1234567890' });
    expect(normalizeFirstMessageText('x'.repeat(1000))).toMatchObject({ ok: true });
    expect(normalizeFirstMessageText('x'.repeat(1001))).toMatchObject({
      ok: false,
      code: 'message_too_long',
      message: 'Messages are limited to 1,000 characters.',
    });
    expect(normalizeFirstMessageText('   ')).toMatchObject({ ok: false, code: 'message_empty' });
  });

  it('counts emoji as one each', () => {
    expect(normalizeFirstMessageText('😀'.repeat(10))).toMatchObject({ ok: true });
    expect(normalizeFirstMessageText('😀'.repeat(9))).toMatchObject({ ok: false, code: 'message_too_short' });
  });
});

describe('schemas', () => {
  it('messageTextSchema parses to the normalised text', () => {
    expect(messageTextSchema.parse('  hi\r\nthere\u202E ')).toBe('hi\nthere');
  });

  it('messageTextSchema reports a custom issue carrying the stable code', () => {
    const result = messageTextSchema.safeParse('\u200B');
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        code: 'custom',
        message: 'Please write a message.',
        params: { code: 'message_empty' },
      }),
    ]);
  });

  it('messageTextSchema refuses non-strings with zod’s own type error', () => {
    for (const value of [undefined, null, 42, ['hi'], { text: 'hi' }]) {
      const result = messageTextSchema.safeParse(value);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.code).toBe('invalid_type');
    }
  });

  it('firstMessageSchema applies the start-form limits', () => {
    expect(firstMessageSchema.safeParse('short').error?.issues[0]).toMatchObject({
      params: { code: 'message_too_short' },
    });
    expect(firstMessageSchema.safeParse('x'.repeat(1001)).error?.issues[0]).toMatchObject({
      params: { code: 'message_too_long' },
    });
    expect(firstMessageSchema.parse(' I cannot sign in. ')).toBe('I cannot sign in.');
  });

  it('works inside an object schema with the field path', () => {
    const result = z.object({ text: messageTextSchema }).safeParse({ text: '' });
    expect(result.error?.issues[0]).toMatchObject({ path: ['text'], params: { code: 'message_empty' } });
  });
});

describe('unicode helpers', () => {
  it('toWellFormed keeps pairs and replaces lone halves', () => {
    expect(toWellFormed('\uD83D\uDE00')).toBe('😀');
    expect(toWellFormed('\uDE00\uD83D')).toBe('\uFFFD\uFFFD');
    expect(toWellFormed('x\uD83D')).toBe('x\uFFFD');
  });

  it('countCodePoints and utf8Length agree with the platform', () => {
    for (const text of ['', 'abc', 'é', '中文', '😀', '👨\u200D👩\u200D👧', 'a\u0301', '\u{10FFFF}']) {
      expect(countCodePoints(text)).toBe(Array.from(text).length);
      expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
    }
  });
});
