import { describe, expect, it } from 'vitest';
import { EMOTICONS, applyEmoticons } from './emoticons.js';

describe('applyEmoticons: replacements', () => {
  it.each([
    [':)', '🙂'],
    [':-)', '🙂'],
    [':(', '🙁'],
    [':-(', '🙁'],
    [':D', '😄'],
    [';)', '😉'],
    [':P', '😛'],
    [':p', '😛'],
    ['<3', '❤️'],
    [':o', '😮'],
    [':O', '😮'],
    [':/', '😕'],
    [':-/', '😕'],
    [':|', '😐'],
    [":'(", '😢'],
    [':*', '😘'],
    ['</3', '💔'],
    ['xD', '😆'],
  ])('%s → %s', (shortcut, emoji) => {
    expect(applyEmoticons(shortcut)).toBe(emoji);
  });

  it('replaces at the start, in the middle and at the end of text', () => {
    expect(applyEmoticons(':) thanks')).toBe('🙂 thanks');
    expect(applyEmoticons('thanks :) a lot')).toBe('thanks 🙂 a lot');
    expect(applyEmoticons('thanks :)')).toBe('thanks 🙂');
  });

  it('replaces several, next to newlines and tabs, and keeps the whitespace as it was', () => {
    expect(applyEmoticons(':)\n:(\t<3  :D')).toBe('🙂\n🙁\t❤️  😄');
  });

  it('leaves text without shortcuts untouched, including the empty string', () => {
    expect(applyEmoticons('')).toBe('');
    expect(applyEmoticons('plain text')).toBe('plain text');
  });

  it('ignores shortcuts that are not in the table, and object keys', () => {
    expect(applyEmoticons(':3 :] constructor __proto__ toString')).toBe(':3 :] constructor __proto__ toString');
  });

  it('every table entry is a token without whitespace', () => {
    for (const shortcut of EMOTICONS.keys()) expect(shortcut).toMatch(/^\S+$/);
  });
});

describe('applyEmoticons: only standalone tokens', () => {
  it.each([
    ['a URL (the original turned it into https🫤/x.org)', 'https://x.org'],
    ['an http URL with a path', 'see http://x.org/a:/b'],
    ['a URL ending in a shortcut', 'https://x.org/:)'],
    ['a Windows path with slash', 'C:/dir'],
    ['a Windows path with backslash', 'C:\\dir'],
    ['a lower-case drive', 'open d:/Projects/x.txt'],
    ['a time', 'at 10:30'],
    ['a time with a D', 'at 10:D'],
    ['a ratio', '16:9'],
    ['a word with a colon', 'note:please'],
    ['a smiley glued to a word', 'thanks:)'],
    ['a smiley glued to punctuation', 'thanks :).'],
    ['a heart inside a comparison', 'if a<3 then'],
    ['a shortcut in parentheses', '(:)'],
    ['a lettered list', 'A) yes B) no 8) maybe'],
    ['a protocol-relative URL', '//x.org/:/a'],
    ['a mailto', 'mailto:x@y.org'],
    ['an IPv6 address', '::1 and fe80::1'],
    ['an emoticon inside a longer token', ':):)'],
  ])('leaves %s alone: %s', (_case, input) => {
    expect(applyEmoticons(input)).toBe(input);
  });

  it('replaces a standalone shortcut next to a URL but not the URL', () => {
    expect(applyEmoticons('https://x.org :/')).toBe('https://x.org 😕');
    expect(applyEmoticons(':) https://x.org/:)')).toBe('🙂 https://x.org/:)');
  });
});

describe('applyEmoticons: code', () => {
  it('leaves inline code alone', () => {
    expect(applyEmoticons('run `a:/b` now')).toBe('run `a:/b` now');
    expect(applyEmoticons('type ` :) ` to smile :)')).toBe('type ` :) ` to smile 🙂');
    expect(applyEmoticons('`:)`')).toBe('`:)`');
  });

  it('leaves fenced code blocks alone, closed or not', () => {
    const fenced = 'look :)\n```\nif (x) :)\n:/ <3\n```\nbye :(';
    expect(applyEmoticons(fenced)).toBe('look 🙂\n```\nif (x) :)\n:/ <3\n```\nbye 🙁');
    expect(applyEmoticons('```js\n:)\n')).toBe('```js\n:)\n');
    expect(applyEmoticons('```:) :(```')).toBe('```:) :(```');
  });

  it('treats several code spans independently', () => {
    expect(applyEmoticons('`:)` :) `:(` :(')).toBe('`:)` 🙂 `:(` 🙁');
  });

  it('does not treat an unmatched backtick as code', () => {
    expect(applyEmoticons("it's ` odd :)")).toBe("it's ` odd 🙂");
  });

  it('does not let inline code span lines', () => {
    expect(applyEmoticons('a ` b\n:) c `')).toBe('a ` b\n🙂 c `');
  });

  it('a shortcut touching a code span is part of its token', () => {
    expect(applyEmoticons('`code`:)')).toBe('`code`:)');
  });
});
