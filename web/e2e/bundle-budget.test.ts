import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webDistDir, widgetDistDir } from '../../src/core/paths.js';
import { chromiumAvailable, launchBrowser } from '../../test/harness/browser.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

/** The visitor's budget (issue 16): all the JavaScript the landing page, or the conversation page, loads. */
const VISITOR_BUDGET_KB = 60;

interface Loaded {
  /** Asset paths of every script the page requested. */
  files: string[];
  /** Their size gzipped (as the build's .gz beside them), in kB. */
  gzipKb: number;
  /** What actually crossed the wire for them (brotli, as Chromium accepts it), in kB. */
  wireKb: number;
}

/** Records every script a page requests from now on; `done()` sums them once the page has settled. */
function recordScripts(page: Page): { done(): Promise<Loaded> } {
  const seen: Promise<{ path: string; wire: number }>[] = [];
  page.on('requestfinished', (request) => {
    if (request.resourceType() !== 'script') return;
    seen.push(request.sizes().then((s) => ({ path: new URL(request.url()).pathname, wire: s.responseBodySize })));
  });
  return {
    async done() {
      await page.waitForLoadState('networkidle');
      const scripts = await Promise.all(seen);
      const files = [...new Set(scripts.map((s) => s.path))];
      const gzip = (f: string) => gzipSync(readFileSync(join(webDistDir(), f)), { level: 9 }).length / 1024;
      return {
        files,
        gzipKb: files.reduce((n, f) => n + gzip(f), 0),
        wireKb: scripts.reduce((n, s) => n + s.wire, 0) / 1024,
      };
    },
  };
}

const report = (what: string, l: Loaded) =>
  process.stdout.write(
    `[budget] ${what}: ${l.gzipKb.toFixed(1)} kB gzipped (${l.wireKb.toFixed(1)} kB on the wire) in ${l.files.length} files: ${l.files.join(', ')}\n`,
  );

/** The chunks only the staff entry and the account pages need, read from the build. */
function chunksOf(entryHtml: string): string[] {
  const html = readFileSync(join(webDistDir(), entryHtml), 'utf8');
  return [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
}

describe.skipIf(!chromiumAvailable())('bundle budgets: what the visitor pages really load in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it(`the landing page and the conversation page each load at most ${VISITOR_BUDGET_KB} kB of gzipped JavaScript, and nothing of the staff app or the account pages`, async () => {
    const staffOnly = chunksOf('staff.html').filter((f) => !chunksOf('index.html').includes(f));
    expect(staffOnly.length).toBeGreaterThan(0);

    const page = await context.newPage();
    const landingScripts = recordScripts(page);
    await page.goto(t.url);
    await expect.poll(() => page.getByLabel('Your name').count()).toBe(1);
    const landing = await landingScripts.done();
    report('landing', landing);
    expect(landing.gzipKb).toBeLessThanOrEqual(VISITOR_BUDGET_KB);
    // Compressed on the wire too (the server sends the build's brotli files).
    expect(landing.wireKb).toBeLessThan(landing.gzipKb);
    for (const f of staffOnly) expect(landing.files).not.toContain(f);
    expect(landing.files.some((f) => /AuthPages|PasswordForms|EmojiPicker/.test(f))).toBe(false);

    await page.getByLabel('Your name').fill('Bea Budget');
    await page.getByLabel('Your question').fill('How much JavaScript does this page need?');
    await page.getByRole('button', { name: 'Start conversation' }).click();
    await page.waitForURL(/\/c\//);

    // The conversation page opened on its own (a reload, a resume link, a new tab), with an empty cache.
    const direct = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      storageState: await context.storageState(),
    });
    const chat = await direct.newPage();
    const chatScripts = recordScripts(chat);
    await chat.goto(page.url());
    await expect.poll(() => chat.getByText('Waiting for an agent').count()).toBe(1);
    const conversation = await chatScripts.done();
    report('conversation', conversation);
    expect(conversation.gzipKb).toBeLessThanOrEqual(VISITOR_BUDGET_KB);
    for (const f of staffOnly) expect(conversation.files).not.toContain(f);
    expect(conversation.files.some((f) => /AuthPages|PasswordForms|EmojiPicker/.test(f))).toBe(false);
    await direct.close();

    // The account pages come as their own chunk when someone opens one.
    const signInScripts = recordScripts(page);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).count()).toBe(1);
    const signIn = await signInScripts.done();
    expect(signIn.files.length).toBeGreaterThan(0);
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
