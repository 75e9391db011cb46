import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { webDistDir, widgetDistDir } from '../../src/core/paths.js';

/** Every JavaScript file an HTML entry loads: its module script and the modules it preloads. */
function entryScripts(html: string): string[] {
  const refs = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  return [...new Set(refs)];
}

const gzipKb = (file: string) => gzipSync(readFileSync(join(webDistDir(), file))).length / 1024;

describe('bundle budgets (built app)', () => {
  it('the visitor app (landing + conversation) loads at most 150 kB of gzipped JavaScript, without the staff app', () => {
    const html = readFileSync(join(webDistDir(), 'index.html'), 'utf8');
    const scripts = entryScripts(html);
    expect(scripts.length).toBeGreaterThan(0);
    const total = scripts.reduce((n, f) => n + gzipKb(f), 0);
    process.stdout.write(`[budget] visitor JavaScript: ${total.toFixed(1)} kB gzipped in ${scripts.length} files\n`);
    expect(total).toBeLessThanOrEqual(150);
    const staffHtml = readFileSync(join(webDistDir(), 'staff.html'), 'utf8');
    const staffOnly = entryScripts(staffHtml).filter((f) => !scripts.includes(f));
    expect(staffOnly.length).toBeGreaterThan(0);
  });

  it('the widget: the loader is one classic script ≤ 5 kB gzipped, the chat in the frame ≤ 80 kB gzipped', () => {
    const loader = readFileSync(join(widgetDistDir(), 'widget.js'), 'utf8');
    const loaderKb = gzipSync(loader).length / 1024;
    // A classic script on someone else's page: no module syntax, nothing but one function expression at the top.
    expect(loader).not.toMatch(/^\s*(import|export)\b/m);
    expect(loader.trimStart().startsWith('(function')).toBe(true);
    const html = readFileSync(join(widgetDistDir(), 'frame.html'), 'utf8');
    const scripts = [...html.matchAll(/(?:src|href)="\/widget\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    const frameKb = scripts.reduce((n, f) => n + gzipSync(readFileSync(join(widgetDistDir(), f))).length / 1024, 0);
    process.stdout.write(
      `[budget] widget loader: ${loaderKb.toFixed(1)} kB gzipped; chat frame JavaScript: ${frameKb.toFixed(1)} kB gzipped\n`,
    );
    expect(loaderKb).toBeLessThanOrEqual(5);
    expect(frameKb).toBeLessThanOrEqual(80);
  });
});
