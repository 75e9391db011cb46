/**
 * Small Unicode helpers shared by the text, name and file-name rules. Browser-safe (no node: imports).
 * Every function here expects or produces well-formed text: call toWellFormed first on untrusted input.
 */

// Without the `u` flag the regex sees UTF-16 code units, which is what finding a lone surrogate needs.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Lone UTF-16 surrogates (JSON allows "\ud800") become U+FFFD, so every later step and UTF-8 agree. */
export function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** Unicode code points in well-formed text (a surrogate pair counts once). */
export function countCodePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xdc00 || unit > 0xdfff) count++;
  }
  return count;
}

/** Bytes of well-formed text once encoded as UTF-8, without allocating the encoding. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** An emoji tag sequence (subdivision flags such as England): black flag, tag characters, cancel tag. */
export const EMOJI_TAG_SEQUENCE = '\\u{1F3F4}[\\u{E0020}-\\u{E007E}]+\\u{E007F}';

// Scripts where zero-width (non-)joiners change how letters join (Arabic, Persian, Indic…): not Latin, Greek or
// Cyrillic, where a joiner has no visible job and only serves to make two names look alike.
const JOINING_LETTER = '[^\\P{L}\\p{sc=Latin}\\p{sc=Greek}\\p{sc=Cyrillic}]';

// Alternatives 1–4 are kept, anything else Default_Ignorable (zero-width space/joiners, U+FEFF, soft hyphen,
// bidi controls, Hangul fillers, word joiner, stray variation selectors and tags…) is dropped.
const INVISIBLE = new RegExp(
  [
    `(${EMOJI_TAG_SEQUENCE})`,
    '((?<=[\\p{Extended_Pictographic}\\p{Emoji_Modifier}\\uFE0F])\\u200D(?=\\p{Extended_Pictographic}))',
    `((?<=${JOINING_LETTER}\\p{M}*)(?:\\u200C|\\u200D)(?=${JOINING_LETTER}))`,
    '((?<=[^\\s\\p{Default_Ignorable_Code_Point}])(?:[\\uFE00-\\uFE0F]|[\\u{E0100}-\\u{E01EF}]))',
    '\\p{Default_Ignorable_Code_Point}',
  ].join('|'),
  'gu',
);

/**
 * Removes invisible characters (Unicode Default_Ignorable_Code_Point, which includes every bidi control and
 * zero-width character) except where they do a visible job: a ZWJ between two emoji, a variation selector
 * after a visible character, an emoji tag sequence, a ZWJ/ZWNJ between letters of a joining script.
 */
export function stripInvisible(text: string): string {
  return text.replace(
    INVISIBLE,
    (match, tags, emojiJoiner, scriptJoiner, selector) => tags ?? emojiJoiner ?? scriptJoiner ?? selector ?? '',
  );
}
