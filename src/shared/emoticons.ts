/**
 * Emoticon shortcuts (`:)` → 🙂). A shortcut is replaced only when it is a whole whitespace-delimited token
 * (start or end of text, or whitespace on both sides) outside code. So URLs (`https://x.org`), Windows paths
 * (`C:/dir`, `C:\dir`) and times (`10:30`) are never touched: there the characters are part of a longer token.
 */

/** Shortcut → emoji. Only shortcuts that do not occur as standalone tokens in ordinary writing. */
export const EMOTICONS: ReadonlyMap<string, string> = new Map([
  [':)', '🙂'],
  [':-)', '🙂'],
  [':(', '🙁'],
  [':-(', '🙁'],
  [':D', '😄'],
  [':-D', '😄'],
  ['xD', '😆'],
  ['XD', '😆'],
  [';)', '😉'],
  [';-)', '😉'],
  [':P', '😛'],
  [':p', '😛'],
  [':-P', '😛'],
  [':-p', '😛'],
  [':o', '😮'],
  [':O', '😮'],
  [':-o', '😮'],
  [':-O', '😮'],
  [':/', '😕'],
  [':-/', '😕'],
  [':|', '😐'],
  [":'(", '😢'],
  [':*', '😘'],
  ['<3', '❤️'],
  ['</3', '💔'],
]);

// Fenced blocks (to the closing fence, or to the end when unclosed) and inline code spans on one line.
const CODE = /```[\s\S]*?(?:```|$)|`[^`\n]+`/g;

/** Replaces standalone emoticon shortcuts outside code with emoji. */
export function applyEmoticons(text: string): string {
  const code = Array.from(text.matchAll(CODE), (m) => [m.index, m.index + m[0].length] as const);
  return text.replace(/\S+/g, (token, offset: number) => {
    const emoji = EMOTICONS.get(token);
    if (emoji === undefined || code.some(([start, end]) => offset >= start && offset < end)) return token;
    return emoji;
  });
}
