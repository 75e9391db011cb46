import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, screenshot, watchPageErrors } from '../../test/harness/browser.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

describe.skipIf(!chromiumAvailable())('browser smoke', () => {
  let t: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { SERVICE_NAME: 'Campus Help Desk' } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('loads the landing page under the strict CSP with no errors, and saves a screenshot', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await page.goto(t.url);
    await expect.poll(() => page.locator('.navbar-brand').textContent()).toContain('Campus Help Desk');
    expect(await page.locator('h1').textContent()).toBe('How can we help?');
    expect(await page.title()).toBe('Campus Help Desk');
    await screenshot(page, 'foundation-landing');
    expect(errors).toEqual([]);
  });
});
