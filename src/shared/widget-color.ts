/** Shared by the server's admin preview, the frame and the loader: no imports, so the loader stays tiny. */

/** White or near-black text, whichever reads better on `hex` (WCAG relative luminance). */
export function foregroundFor(hex: string): '#ffffff' | '#111111' {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return '#ffffff';
  const n = parseInt(m[1]!, 16);
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const lum = 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
  // Contrast with white: 1.05 / (L + 0.05); with #111: (L + 0.05) / (0.0056 + 0.05). Pick the larger.
  return 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.0556 ? '#ffffff' : '#111111';
}
