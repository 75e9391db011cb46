import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, screenshot } from '../../test/harness/browser.js';
import { createStaff, PASSWORD, registerCustomer } from '../../test/harness/factories.js';
import { exe, png } from '../../test/harness/file-fixtures.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

const box = async (l: Locator) => (await l.boundingBox())!;
const overflow = (page: Page) =>
  page.evaluate('document.documentElement.scrollWidth - window.innerWidth') as Promise<number>;

/** The top bar is one row: the brand and the Menu button side by side, the links behind the button. */
async function expectOneRowTopBar(page: Page, links: string[]): Promise<void> {
  const brand = await box(page.locator('.navbar-brand'));
  const menu = page.getByRole('button', { name: 'Menu' });
  const button = await box(menu);
  expect(Math.abs(brand.y + brand.height / 2 - (button.y + button.height / 2))).toBeLessThan(12);
  expect((await box(page.locator('header.sc-topbar'))).height).toBeLessThan(70);
  for (const name of links)
    expect(await page.locator('nav.sc-nav').getByText(name, { exact: true }).isVisible()).toBe(false);
  await menu.click();
  expect(await menu.getAttribute('aria-expanded')).toBe('true');
  for (const name of links)
    expect(await page.locator('nav.sc-nav').getByText(name, { exact: true }).isVisible()).toBe(true);
}

describe.skipIf(!chromiumAvailable())('phone layout (375 px)', () => {
  let t: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('visitor: one-row top bar, a full-width message box with its placeholder, refused files one per row', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 800 }, isMobile: true });
    const page = await context.newPage();
    await page.goto(t.url);
    await expect.poll(() => page.getByLabel('Your name').count()).toBe(1);
    await expectOneRowTopBar(page, ['Sign in', 'Create account']);
    await screenshot(page, 'mobile-landing-menu-open-375');
    await page.getByRole('button', { name: 'Menu' }).click();

    await page.getByLabel('Your name').fill('Pat Phone');
    await page.getByLabel('Your question').fill('Does this page fit on my phone?');
    await page.getByRole('button', { name: 'Start conversation' }).click();
    await page.waitForURL(/\/c\//);
    await expect.poll(() => page.getByText('Waiting for an agent').count()).toBe(1);

    // The message box takes the composer's width; its placeholder fits without being cut.
    const composer = await box(page.locator('.sc-composer'));
    const textarea = page.getByLabel('Message');
    expect((await box(textarea)).width).toBeGreaterThan(composer.width * 0.85);
    // A copy of the box as wide as it, holding the placeholder as text: does it fit the box's height?
    const placeholderFits = await page.evaluate(`(() => {
      const el = document.querySelector('.sc-composer textarea');
      const probe = document.createElement('textarea');
      probe.className = el.className;
      probe.rows = el.rows;
      probe.style.width = el.clientWidth + 'px';
      probe.value = el.placeholder;
      el.parentElement.appendChild(probe);
      const fits = probe.scrollHeight <= el.clientHeight + 1;
      probe.remove();
      return fits;
    })()`);
    expect(placeholderFits).toBe(true);

    // A refused file and a good one: each on its own row, the reason readable, the list not squeezed.
    await page.locator('.sc-composer input[type=file]').setInputFiles([
      { name: 'holiday-photos-from-the-trip.png', mimeType: 'image/png', buffer: exe() },
      { name: 'screen.png', mimeType: 'image/png', buffer: png() },
    ]);
    const refused = page.locator('.sc-pending-file-error');
    await expect.poll(() => refused.count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.locator('.sc-pending-file[data-status="done"]').count(), { timeout: 15_000 }).toBe(1);
    const list = await box(page.locator('.sc-pending-files'));
    for (const item of await page.locator('.sc-pending-file').all()) {
      expect((await box(item)).width).toBeGreaterThan(list.width * 0.95);
    }
    const items = await page.locator('.sc-pending-file').all();
    expect((await box(items[1]!)).y).toBeGreaterThan((await box(items[0]!)).y + 10);
    expect(await overflow(page)).toBeLessThanOrEqual(1);
    await screenshot(page, 'mobile-conversation-files-375');
    await context.close();
  });

  it('customer and staff: the longer navigation folds behind Menu too', async () => {
    const customer = await registerCustomer(t, t.client(), { displayName: 'Casey Customer' });
    const context = await browser.newContext({ viewport: { width: 375, height: 800 }, isMobile: true });
    const page = await context.newPage();
    await page.goto(`${t.url}/signin`);
    await page.getByLabel('E-mail or username').fill(customer.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${t.url}/`);
    await expect.poll(() => page.locator('nav.sc-nav').getByText('Sign out').count()).toBe(1);
    await expectOneRowTopBar(page, ['My conversations', 'Casey Customer', 'Sign out']);
    await screenshot(page, 'mobile-customer-menu-375');
    // Following a link closes the menu.
    await page.locator('nav.sc-nav').getByText('My conversations').click();
    await page.waitForURL(`${t.url}/conversations`);
    expect(await page.getByRole('button', { name: 'Menu' }).getAttribute('aria-expanded')).toBe('false');

    await context.close();

    const admin = await createStaff(t, 'admin', { firstName: 'Ada', lastName: 'Lovelace' });
    const staffContext = await browser.newContext({ viewport: { width: 375, height: 800 }, isMobile: true });
    const staff = await staffContext.newPage();
    await staff.goto(`${t.url}/staff/signin`);
    await staff.getByLabel('E-mail or username').fill(admin.username);
    await staff.getByLabel('Password').fill(PASSWORD);
    await staff.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => staff.getByRole('heading', { name: 'Queue' }).count()).toBe(1);
    await expectOneRowTopBar(staff, ['Desk', 'Admin', 'Ada Lovelace', 'Sign out']);
    expect(await overflow(staff)).toBeLessThanOrEqual(1);
    await screenshot(staff, 'mobile-desk-menu-375');
    await staffContext.close();
  });
});
