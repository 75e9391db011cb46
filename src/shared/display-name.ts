/**
 * Display names of visitors (and the same cleaning for any person's name), plus the impersonation rule.
 * See docs/ARCHITECTURE.md "Text and file rules".
 */
import { ruleSchema } from './text-rules.js';
import { countCodePoints, stripInvisible, toWellFormed } from './unicode.js';

export const DISPLAY_NAME_MIN_CODE_POINTS = 2;
export const DISPLAY_NAME_MAX_CODE_POINTS = 100;

/** Words no visitor may call themselves, so nobody passes for the system or the team. */
export const RESERVED_NAMES = [
  'system',
  'admin',
  'administrator',
  'agent',
  'support',
  'technician',
  'bot',
  'null',
  'undefined',
] as const;

export type DisplayNameErrorCode = 'name_empty' | 'name_too_short' | 'name_too_long' | 'name_reserved';
export type DisplayNameResult = { ok: true; name: string } | { ok: false; code: DisplayNameErrorCode; message: string };

const MESSAGES: Record<DisplayNameErrorCode, string> = {
  name_empty: 'Please enter your name.',
  name_too_short: `Names need at least ${DISPLAY_NAME_MIN_CODE_POINTS} characters.`,
  name_too_long: `Names are limited to ${DISPLAY_NAME_MAX_CODE_POINTS} characters.`,
  name_reserved: 'Please choose another name: this one is reserved for the support team.',
};

const fail = (code: DisplayNameErrorCode): DisplayNameResult => ({ ok: false, code, message: MESSAGES[code] });

// U+2800 (braille blank) renders as a space; every other invisible filler is Default_Ignorable. JavaScript's \s
// includes U+FEFF, which is invisible, not a space.
const SPACES = /(?:[^\S\uFEFF]|\u2800)+/g;
const CONTROLS = /\p{Cc}/gu;
// Zalgo: more than 4 combining marks on one character only make the name unreadable and overflow the UI.
const EXCESS_MARKS = /(\p{M}{4})\p{M}+/gu;

/**
 * Cleans a display name: whitespace (tabs, newlines, NBSP, …) becomes single spaces; controls and invisible
 * characters go (see stripInvisible); NFC; more than 4 stacked combining marks are cut to 4; trimmed;
 * then 2–100 code points. It does not check impersonation: see isImpersonatingName.
 */
export function normalizeDisplayName(input: string): DisplayNameResult {
  if (input.length > DISPLAY_NAME_MAX_CODE_POINTS * 20) return fail('name_too_long');
  const name = stripInvisible(toWellFormed(input).replace(SPACES, ' ').replace(CONTROLS, ''))
    .normalize('NFC')
    .replace(EXCESS_MARKS, '$1')
    .replace(SPACES, ' ')
    .trim();
  const length = countCodePoints(name);
  if (length === 0) return fail('name_empty');
  if (length < DISPLAY_NAME_MIN_CODE_POINTS) return fail('name_too_short');
  if (length > DISPLAY_NAME_MAX_CODE_POINTS) return fail('name_too_long');
  return { ok: true, name };
}

/** Normalises a visitor's name and refuses reserved words and the staff's display names. */
export function validateDisplayName(input: string, staffDisplayNames: readonly string[] = []): DisplayNameResult {
  const result = normalizeDisplayName(input);
  if (result.ok && isImpersonatingName(result.name, staffDisplayNames)) return fail('name_reserved');
  return result;
}

/**
 * A display name: parses to the normalised name, refusing the reserved words. The server must also call
 * validateDisplayName (or isImpersonatingName) with the current staff names, which the browser does not know.
 */
export const displayNameSchema = ruleSchema((input) => {
  const result = validateDisplayName(input);
  return result.ok ? { ok: true, value: result.name } : result;
});

// ---- Impersonation -------------------------------------------------------------------------------------------

// Look-alikes NFKC leaves alone, as pairs (look-alike, Latin). Mapped before lower-casing, because an upper-case
// letter and its lower case can resemble different Latin letters (Greek Η looks like H, η like n).
const LOOKALIKE_PAIRS =
  // Cyrillic
  'АAВBЕEЅSІIЈJКKМMНHОOРPСCТTУYХXҮYҺHԚQԜWӀIаaвbеeѕsіiјjкkмmнhоoрpсcтtуyхxүyһhԁdԛqԝwӏlьbпnгr' +
  // Greek
  'ΑAΒBΕEΖZΗHΙIΚKΜMΝNΟOΡPΤTΥYΧXαaβbγyεeηnιiκkνvοoρpτtυuχxϲcϳjωwμu' +
  // Latin small capitals and other letter shapes
  'ıiȷjɑaɡgɩiᴀaʙbᴄcᴅdᴇeɢgʜhɪiᴊjᴋkʟlᴍmɴnᴏoᴘpʀrꜱsᴛtᴜuᴠvᴡwʏyᴢz' +
  // Armenian
  'օoՕOսuհhոn';
const LOOKALIKES = new Map<string, string>();
for (let i = 0; i < LOOKALIKE_PAIRS.length; i += 2) LOOKALIKES.set(LOOKALIKE_PAIRS[i]!, LOOKALIKE_PAIRS[i + 1]!);

// Characters that may stand for a letter ("adm1n", "@dmin", "supp0rt") or be mere decoration ("admin!!").
const AMBIGUOUS: Record<string, string> = {
  '0': 'o',
  '1': 'l',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '9': 'g',
  '@': 'a',
  $: 's',
  '!': 'l',
  '|': 'l',
};
const isAmbiguous = (char: string) => /[0-9@$!|]/.test(char);

/**
 * The comparable form of a name, as words: invisible characters and controls dropped, NFKC (fullwidth,
 * mathematical, circled letters…), camelCase split into words, look-alikes mapped to Latin, lower case,
 * accents removed, i and l made one letter, "rn" read as m and "vv" as w. Anything that is not a letter, a digit
 * or one of @$!| (punctuation, symbols, emoji, spaces) separates words.
 */
function foldName(name: string): string[] {
  const text = Array.from(
    toWellFormed(name)
      .replace(/\p{Default_Ignorable_Code_Point}/gu, '')
      .replace(/\p{Cc}/gu, (c) => (/\s/.test(c) ? ' ' : ''))
      .normalize('NFKC')
      .replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2'),
    (char) => LOOKALIKES.get(char) ?? char,
  )
    .join('')
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/i/g, 'l')
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w');
  return text.split(/[^\p{L}\p{N}@$!|]+/u).filter((word) => word !== '');
}

/**
 * Whether `input` spells `pattern` exactly, where each ambiguous character of the input either stands for the
 * letter it resembles or is ignored; the input must hold at least one letter. A set-of-states automaton: linear
 * time, no regex backtracking.
 */
function spells(input: string, pattern: string): boolean {
  // Digits and symbols alone spell nothing ("807" is a number, not "bot"); "8ot" and "b0t" still do.
  if (!/\p{L}/u.test(input)) return false;
  const target = Array.from(pattern);
  let states = new Set<number>([0]);
  for (const char of input) {
    const next = new Set<number>();
    for (const state of states) {
      if (isAmbiguous(char)) next.add(state);
      const wanted = target[state];
      if (wanted !== undefined && (char === wanted || AMBIGUOUS[char] === wanted)) next.add(state + 1);
    }
    if (next.size === 0) return false;
    states = next;
  }
  return states.has(target.length);
}

const RESERVED_FOLDED = RESERVED_NAMES.map((word) => foldName(word).join(''));

const isReservedWord = (word: string) =>
  RESERVED_FOLDED.some((reserved) => spells(word, reserved) || spells(word, `${reserved}s`));

/**
 * Whether a display name would pass for the system or the team. After folding (see foldName), refused when:
 * 1. the whole name, its separators removed, spells a reserved word or a staff name ("S y s t e m", "🤖 Bot",
 *    "ＳＹＳＴＥＭ", "Sуstem", "admin!!", "Alice.Martin");
 * 2. any one of its words spells a reserved word or its plural ("Support Team", "Admin Smith", "Agent007",
 *    "The Bots");
 * 3. its words contain a staff name of two words or more, in order ("Dr Alice Martin").
 * Names merely containing a reserved word inside a longer word pass ("Bo Tran", "Agnes", "Nullah", "Sam Adminton",
 * "Abbot"); so does a one-word staff name inside a longer name ("Sam Lee" when an agent is "Sam").
 */
export function isImpersonatingName(name: string, staffDisplayNames: readonly string[] = []): boolean {
  const words = foldName(name);
  const squashed = words.join('');
  if (squashed === '') return false;
  if (RESERVED_FOLDED.some((reserved) => spells(squashed, reserved))) return true;
  if (words.some(isReservedWord)) return true;
  for (const staffName of staffDisplayNames) {
    const staffWords = foldName(staffName);
    if (staffWords.length === 0) continue;
    if (spells(squashed, staffWords.join(''))) return true;
    if (staffWords.length < 2) continue;
    for (let start = 0; start + staffWords.length <= words.length; start++) {
      if (staffWords.every((staffWord, i) => spells(words[start + i]!, staffWord))) return true;
    }
  }
  return false;
}
