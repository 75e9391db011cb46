/**
 * Finds links in plain message text. The result is data, not markup: the renderer must output text segments as
 * React text children and links as `<a href={href} rel={LINK_REL} target="_blank">{text}</a>`, and must never
 * use innerHTML or dangerouslySetInnerHTML, so nothing a sender writes is ever interpreted as HTML.
 * Only http:, https: and mailto: hrefs are produced, each built from our own prefix and checked by URL parsing.
 */

export type LinkifySegment = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

/** The rel of every link to user-supplied content. */
export const LINK_REL = 'noopener noreferrer nofollow';

// A URL runs to whitespace, a control or invisible character, <>"`, an emoji, or CJK punctuation.
const URL_CHAR = '[^\\s<>"`\\p{Cc}\\p{Cf}\\p{Extended_Pictographic}\\u3000-\\u303F\\uFF01-\\uFF0F\\uFF1A-\\uFF20]';
const CANDIDATE = new RegExp(
  [
    // http(s):// or www., not inside a Latin word (CJK text has no spaces before a link)
    `(?<![\\p{sc=Latin}\\p{N}_])(?:([hH][tT][tT][pP][sS]?):\\/\\/|[wW][wW][wW]\\.)${URL_CHAR}+`,
    // an e-mail address; its domain ends at the last label (a trailing full stop is not taken)
    '(?<![\\p{sc=Latin}\\p{N}._%+-])([A-Za-z0-9._%+-]+@[\\p{L}\\p{N}-]+(?:\\.[\\p{L}\\p{N}-]+)+)',
  ].join('|'),
  'gu',
);
const TRAILING_PUNCTUATION = '.,:;!?\'"*…';
const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** Drops sentence punctuation after a URL, and closing brackets that have no opening partner inside it. */
function trimUrl(url: string): string {
  for (;;) {
    const last = url.at(-1) ?? '';
    const opener = CLOSERS[last];
    const isTrailing =
      (last !== '' && TRAILING_PUNCTUATION.includes(last)) ||
      (opener !== undefined && count(url, last) > count(url, opener));
    if (!isTrailing) return url;
    url = url.slice(0, -1);
  }
}

/** The href for a web link, or undefined when it is not a plain http(s) URL to a host (no credentials). */
function webHref(candidate: string, scheme: string | undefined): string | undefined {
  let href: string;
  if (scheme === undefined) {
    if (!/^www\.[\p{L}\p{N}-]+\.[\p{L}\p{N}]/iu.test(candidate)) return undefined;
    href = `https://${candidate}`;
  } else {
    href = scheme.toLowerCase() + candidate.slice(scheme.length);
  }
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  // "https://bank.example@evil.example" misleads the reader about the host: left as text.
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  return url.href;
}

function mailHref(address: string): string | undefined {
  return /\.\p{L}{2,}$/u.test(address) && !/^\.|\.\.|\.@/.test(address) ? `mailto:${address}` : undefined;
}

/** Splits text into text and link segments; adjacent text is merged, empty text gives no segment. */
export function linkify(text: string): LinkifySegment[] {
  const segments: LinkifySegment[] = [];
  const pushText = (value: string) => {
    if (value === '') return;
    const previous = segments.at(-1);
    if (previous?.kind === 'text') previous.text += value;
    else segments.push({ kind: 'text', text: value });
  };
  let position = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const isEmail = match[2] !== undefined;
    const candidate = isEmail ? match[0] : trimUrl(match[0]);
    const href = isEmail ? mailHref(candidate) : webHref(candidate, match[1]);
    pushText(text.slice(position, match.index));
    if (href === undefined) pushText(candidate);
    else segments.push({ kind: 'link', text: candidate, href });
    position = match.index + candidate.length;
  }
  pushText(text.slice(position));
  return segments;
}
