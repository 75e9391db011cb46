/**
 * A redirect target from `?next=` is honoured only when it is a path on this site: it starts with a single "/",
 * is not protocol-relative ("//evil.example"), has no backslash (browsers treat "/\evil" as "//evil") and no
 * control characters. Anything else falls back. The original's open redirect via `?next=` ends here.
 */
export function safeNextPath(next: unknown, fallback: string): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 500) return fallback;
  if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return fallback;
  if ([...next].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return fallback;
  try {
    const url = new URL(next, 'http://same.invalid');
    if (url.origin !== 'http://same.invalid') return fallback;
    return url.pathname + url.search + url.hash;
  } catch {
    return fallback;
  }
}
