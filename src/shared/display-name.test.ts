import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  RESERVED_NAMES,
  displayNameSchema,
  isImpersonatingName,
  normalizeDisplayName,
  validateDisplayName,
} from './display-name.js';

const nameOf = (input: string) => {
  const result = normalizeDisplayName(input);
  if (!result.ok) throw new Error(`expected ok, got ${result.code}`);
  return result.name;
};
const codeOf = (input: string) => {
  const result = normalizeDisplayName(input);
  return result.ok ? 'ok' : result.code;
};

describe('normalizeDisplayName', () => {
  it('trims and collapses whitespace of every kind to single spaces', () => {
    expect(nameOf('  Ann   Lee  ')).toBe('Ann Lee');
    expect(nameOf('Ann\t\n\r Lee')).toBe('Ann Lee');
    expect(nameOf('\u00A0Ann\u3000\u2003Lee\u2800')).toBe('Ann Lee');
  });

  it('applies NFC', () => {
    expect(nameOf('Zoe\u0308 Ame\u0301lie')).toBe('Zoë Amélie');
  });

  it('removes control characters without leaving gaps', () => {
    expect(nameOf('An\u0000n\u0007 Lee\u007F\u0085\u009B')).toBe('Ann Lee');
  });

  it('removes bidi controls, LRM/RLM included', () => {
    for (const char of ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069']) {
      expect(nameOf(`Ann${char} Lee`)).toBe('Ann Lee');
    }
    expect(nameOf('\u200EAnn\u200F Lee\u061C')).toBe('Ann Lee');
    expect(nameOf('\u202Eeel nnA')).toBe('eel nnA');
  });

  it('removes zero-width and other invisible characters', () => {
    expect(nameOf('A\u200Bn\u200Cn\u200D \uFEFFL\u2060e\u00ADe\u034F')).toBe('Ann Lee');
    expect(nameOf('Ann\u3164Lee\u115F\uFFA0')).toBe('AnnLee');
    expect(nameOf('An\uFEFFn Lee')).toBe('Ann Lee');
    expect(nameOf('Ann\u{E0041}\u{E0042} Lee')).toBe('Ann Lee');
    expect(nameOf('Ann\uFE0F Lee')).toBe('Ann\uFE0F Lee'); // a selector after a visible character is harmless
    expect(nameOf('Ann \uFE0FLee')).toBe('Ann Lee'); // a stray one is not
  });

  it('keeps emoji sequences in names', () => {
    expect(nameOf('Ann 👩\u200D💻')).toBe('Ann 👩\u200D💻');
    expect(nameOf('Ann ❤\uFE0F')).toBe('Ann ❤\uFE0F');
    expect(nameOf('Ann 👍🏾')).toBe('Ann 👍🏾');
    expect(nameOf('Ann 🏴\u{E0067}\u{E0062}\u{E0077}\u{E006C}\u{E0073}\u{E007F}')).toBe(
      'Ann 🏴\u{E0067}\u{E0062}\u{E0077}\u{E006C}\u{E0073}\u{E007F}',
    );
  });

  it('drops a ZWJ between Latin letters but keeps one where the script needs it', () => {
    expect(nameOf('Sa\u200Dm')).toBe('Sam');
    expect(nameOf('علی\u200Cرضا')).toBe('علی\u200Cرضا');
    expect(nameOf('क्\u200Dष')).toBe('क्\u200Dष');
  });

  it('cuts stacks of combining marks (zalgo) to four', () => {
    const zalgo = `Z${'\u0336\u0321\u0322\u031B\u0317\u0318\u0319'}oe`;
    expect(nameOf(zalgo)).toBe('Z\u0336\u0321\u0322\u031Boe');
  });

  it('accepts 2 to 100 code points after trimming', () => {
    expect(codeOf('')).toBe('name_empty');
    expect(codeOf('   ')).toBe('name_empty');
    expect(codeOf('\u200B\u202E\u0000')).toBe('name_empty');
    expect(codeOf(' A ')).toBe('name_too_short');
    expect(codeOf('Al')).toBe('ok');
    expect(codeOf('李')).toBe('name_too_short');
    expect(codeOf('李娜')).toBe('ok');
    expect(codeOf('🦊🦊')).toBe('ok');
    expect(codeOf('x'.repeat(100))).toBe('ok');
    expect(codeOf(`  ${'x'.repeat(100)}  `)).toBe('ok');
    expect(codeOf('x'.repeat(101))).toBe('name_too_long');
    expect(codeOf('😀'.repeat(100))).toBe('ok'); // 200 UTF-16 units, 100 code points
    expect(codeOf('x'.repeat(100_000))).toBe('name_too_long');
  });

  it('gives human messages', () => {
    expect(normalizeDisplayName('x')).toEqual({
      ok: false,
      code: 'name_too_short',
      message: 'Names need at least 2 characters.',
    });
  });
});

describe('isImpersonatingName: reserved words', () => {
  it.each(RESERVED_NAMES.map((word) => [word]))('refuses "%s" in any case', (word) => {
    expect(isImpersonatingName(word)).toBe(true);
    expect(isImpersonatingName(word.toUpperCase())).toBe(true);
    expect(isImpersonatingName(word[0]!.toUpperCase() + word.slice(1))).toBe(true);
  });

  it.each([
    ['emoji around', '🤖 System'],
    ['emoji inside', 'Sys🤖tem'],
    ['spaced letters', 'S y s t e m'],
    ['dotted letters', 'S.Y.S.T.E.M.'],
    ['hyphenated', 'sys-tem'],
    ['fullwidth', 'ＳＹＳＴＥＭ'],
    ['mathematical bold', '𝐒𝐲𝐬𝐭𝐞𝐦'],
    ['circled', 'Ⓢⓨⓢⓣⓔⓜ'],
    ['small capitals', 'ꜱʏꜱᴛᴇᴍ'],
    ['Cyrillic у', 'Sуstem'],
    ['Cyrillic а, і', 'Аdmіn'],
    ['Greek capitals', 'ΒΟΤ'],
    ['Greek ο and α', 'Suppοrt Tеαm'],
    ['accents', 'Sÿstém'],
    ['zero-width inside', 'Sys\u200Btem'],
    ['soft hyphen inside', 'Ad\u00ADmin'],
    ['RLO inside', 'Ad\u202Emin'],
    ['trailing punctuation', 'admin!!'],
    ['leading punctuation', '***Admin***'],
    ['quotes', '"Support"'],
    ['digit for letter', 'adm1n'],
    ['at sign for a', '@dmin'],
    ['dollar for s', '$upport'],
    ['zero for o', 'B0T'],
    ['ones for ls', 'nu11'],
    ['three for e', 'Ag3nt'],
    ['pipe for l', 'nu||'],
    ['rn for m', 'adrnin'],
    ['leet and decoration', '@dm1n!!'],
    ['digits after', 'Admin2'],
    ['digits before', '2Bot'],
    ['plural', 'Admins'],
    ['tab and newline', 'sys\ttem\n'],
  ])('refuses %s: %s', (_case, name) => {
    expect(isImpersonatingName(name)).toBe(true);
  });

  it.each([
    ['first word', 'Support Team'],
    ['first word', 'Admin Smith'],
    ['last word', 'Team Support'],
    ['middle word', 'Your Support Agent'],
    ['middle word', 'The Bots Are Here'],
    ['camelCase', 'SupportTeam'],
    ['camelCase', 'TheAdmin'],
    ['after emoji', '👋Agent Kim'],
    ['with digits', 'Agent 007'],
    ['glued digits', 'Agent007'],
    ['apostrophe', "Admin's"],
    ['technician', 'Technician Tom'],
    ['undefined', 'Undefined Behaviour'],
    ['null', 'Null Pointer'],
  ])('refuses a name with a reserved word as a %s: %s', (_case, name) => {
    expect(isImpersonatingName(name)).toBe(true);
  });

  it.each([
    'Bo Tran',
    'Agnes',
    'Nullah',
    'Sam Adminton',
    'Abbot',
    'Botha',
    'Robot Rob',
    'Tech Tom',
    'Supportive Sam',
    'Systematic Sue',
    'Agentha',
    'Ali',
    'Al',
    'Nu',
    'Bond 007',
    'Guest 807', // digits alone spell nothing: 8-0-7 is not "bot"
    'Room 1807',
    '8007',
    'Sadmin Khan',
    'Bob',
    'Dot',
    'Boat',
    'Ann Lee',
    'Zoë',
    'Système', // French: one letter more than "system"
    '李娜',
    '🦊🦊',
    '!!',
    'Mohammed Al-Sayed',
    "O'Brien",
  ])('accepts "%s"', (name) => {
    expect(isImpersonatingName(name)).toBe(false);
  });

  it('refuses a name whose letters, joined, spell a reserved word (a deliberate false positive: "Bo T")', () => {
    expect(isImpersonatingName('Bo T')).toBe(true);
    expect(isImpersonatingName('Ad Min')).toBe(true);
  });

  it('stays fast on adversarial input (no regex backtracking)', () => {
    const started = performance.now();
    for (let i = 0; i < 50; i++) {
      isImpersonatingName('1'.repeat(100));
      isImpersonatingName(`${'4d!'.repeat(33)}x`);
      isImpersonatingName('a'.repeat(100), ['a'.repeat(50) + ' ' + 'a'.repeat(49)]);
    }
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('isImpersonatingName: staff names', () => {
  const staff = ['Alice Martin', 'Sam', 'José Ñúñez', '🙂', ''];

  it.each([
    'Alice Martin',
    'alice martin',
    'ALICE  MARTIN',
    'Alice.Martin',
    'AliceMartin',
    'A1ice Martin',
    'Аlice Mаrtin', // Cyrillic А and а
    'Alice Martin 🙂',
    'Dr. Alice Martin',
    'Alice Martin (Support)',
    'Alice Martin Jr',
    'Sam',
    'S@m',
    'SAM!',
    'Jose Nunez',
    'josé ñúñez',
  ])('refuses "%s"', (name) => {
    expect(isImpersonatingName(name, staff)).toBe(true);
  });

  it.each(['Alice', 'Martin', 'Alice Martinez', 'Martin Alice', 'Alice M.', 'Sam Lee', 'Samantha', 'Jose', '🙂🙂'])(
    'accepts "%s"',
    (name) => {
      expect(isImpersonatingName(name, staff)).toBe(false);
    },
  );

  it('ignores staff names that fold to nothing', () => {
    expect(isImpersonatingName('Ann Lee', ['🙂', '!!', ''])).toBe(false);
  });
});

describe('validateDisplayName and displayNameSchema', () => {
  it('normalises, then refuses reserved words and staff names with name_reserved', () => {
    expect(validateDisplayName('  Ann  Lee ')).toEqual({ ok: true, name: 'Ann Lee' });
    expect(validateDisplayName('🤖 System')).toEqual({
      ok: false,
      code: 'name_reserved',
      message: 'Please choose another name: this one is reserved for the support team.',
    });
    expect(validateDisplayName('Alice Martin', ['Alice Martin'])).toMatchObject({ ok: false, code: 'name_reserved' });
    expect(validateDisplayName('x')).toMatchObject({ ok: false, code: 'name_too_short' });
  });

  it('displayNameSchema parses to the clean name', () => {
    expect(displayNameSchema.parse(' Ann\u200B  Lee ')).toBe('Ann Lee');
  });

  it('displayNameSchema refuses reserved words with the stable code', () => {
    const result = z.object({ name: displayNameSchema }).safeParse({ name: 'Support Team' });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ['name'], code: 'custom', params: { code: 'name_reserved' } }),
    ]);
  });

  it('displayNameSchema refuses non-strings', () => {
    expect(displayNameSchema.safeParse(['Ann']).success).toBe(false);
    expect(displayNameSchema.safeParse({ toString: () => 'Ann' }).success).toBe(false);
  });
});
