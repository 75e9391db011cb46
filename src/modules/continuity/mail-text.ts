/** Plain-text e-mail helpers: message bodies are quoted by indentation, never interpreted. */

/** Indents every line of `text` (a quoted message in a plain-text e-mail). */
export function indent(text: string, prefix = '    '): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? prefix.trimEnd() : prefix + line))
    .join('\n');
}
