/**
 * Landing render: how long a visitor waits for the landing page on the local server, in Debian's Chromium
 * (playwright-core). Each sample is a fresh browser context (empty cache, no cookies): navigation start → the
 * start form ("Your name") and the live support status (fetched from /api/status) are both on screen. A second
 * load in the same context measures the warm case (cached assets). Target (issue 8): rendered within 1 s.
 * Chromium missing: skipped with a loud line outside CI, a failure in CI (as in the test suites).
 */
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchBrowser } from '../../test/harness/browser.js';
import { createProductDatabase, startProduct, type Dialect } from '../lib/servers.js';
import { summarise, type Summary } from '../lib/stats.js';
import { fmt, type Scenario } from './types.js';

/**
 * Runs in the page (a function, not a string: the page's CSP forbids eval): performance.now() once the start
 * form and the fetched status are both rendered, else false.
 */
function rendered(): number | false {
  // The bench is compiled without the DOM library; this body only ever runs in the browser.
  const d = (globalThis as unknown as { document: { getElementById(id: string): unknown } }).document;
  const labels = (
    d as unknown as { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> }
  ).querySelectorAll('label');
  const form = Array.from(labels).some((l) => (l.textContent ?? '').trim() === 'Your name');
  return !!d.getElementById('support-status-title') && form && performance.now();
}

interface Sample {
  /** First contentful paint (Chromium's paint timing), ms after navigation start. */
  fcpMs: number;
  /** Start form and support status rendered, ms after navigation start. */
  renderedMs: number;
}

async function load(browser: Browser, url: string, warm: boolean): Promise<Sample> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    if (warm) await page.goto(url, { waitUntil: 'load' });
    await page.goto(url, { waitUntil: 'commit' });
    const handle = await page.waitForFunction(rendered, undefined, { polling: 'raf' });
    const renderedMs = Number(await handle.jsonValue());
    const fcpMs = Number(
      await page.evaluate(
        "(performance.getEntriesByName('first-contentful-paint')[0] || { startTime: NaN }).startTime",
      ),
    );
    return { fcpMs, renderedMs };
  } finally {
    await context.close();
  }
}

export interface LandingResult {
  dialect: Dialect;
  cold: { fcpMs: Summary; renderedMs: Summary };
  warm: { fcpMs: Summary; renderedMs: Summary };
  raw: { cold: Sample[]; warm: Sample[] };
}

export const landingScenario: Scenario = {
  name: 'landing',
  description: 'Landing page in Chromium: navigation → start form and live status rendered (cold and warm cache)',
  async run(ctx) {
    const repeats = ctx.repeats ?? (ctx.quick ? 5 : 20);
    if (!chromiumAvailable()) {
      return {
        config: { repeats },
        runs: [],
        summary: [],
        markdown: ['## Landing render', '', 'SKIPPED: Chromium (/usr/bin/chromium) is not installed.'],
        notes: ['Landing render not measured: Chromium is not installed (apt-get install -y chromium).'],
      };
    }
    const results: LandingResult[] = [];
    const browser = await launchBrowser();
    try {
      for (const dialect of ctx.dialects) {
        const database = await createProductDatabase(dialect);
        const server = await startProduct(database);
        try {
          await load(browser, server.url, false); // first request compiles the server's routes: not counted
          const cold: Sample[] = [];
          const warm: Sample[] = [];
          for (let i = 0; i < repeats; i++) {
            ctx.log(`landing: ${dialect} ${i + 1}/${repeats}`);
            cold.push(await load(browser, server.url, false));
            warm.push(await load(browser, server.url, true));
          }
          const sum = (s: Sample[]) => ({
            fcpMs: summarise(s.map((x) => x.fcpMs)),
            renderedMs: summarise(s.map((x) => x.renderedMs)),
          });
          results.push({ dialect, cold: sum(cold), warm: sum(warm), raw: { cold, warm } });
        } finally {
          await server.stop();
          await database.dispose();
        }
      }
    } finally {
      await browser.close();
    }
    return {
      config: { repeats, viewport: '1280×900', target: '≤ 1 s', rendered: 'start form + /api/status shown' },
      runs: results.map((r) => ({ dialect: r.dialect, ...r.raw })),
      summary: results.map(({ raw: _raw, ...s }) => s),
      markdown: [
        '## Landing render (Chromium, local server; navigation → start form and live status on screen; target ≤ 1 s)',
        '',
        'Cold = a fresh browser context (empty cache); warm = the second load in the same context.',
        '',
        '| database | cold FCP p50 | cold rendered p50 / p90 / max | warm rendered p50 / p90 | runs |',
        '|---|---|---|---|---|',
        ...results.map(
          (r) =>
            `| ${r.dialect} | ${fmt.ms(r.cold.fcpMs.p50)} | ${fmt.ms(r.cold.renderedMs.p50)} / ` +
            `${fmt.ms(r.cold.renderedMs.p90)} / ${fmt.ms(r.cold.renderedMs.max)} | ${fmt.ms(r.warm.renderedMs.p50)} / ` +
            `${fmt.ms(r.warm.renderedMs.p90)} | ${r.cold.renderedMs.n} |`,
        ),
      ],
      notes: [],
    };
  },
};
