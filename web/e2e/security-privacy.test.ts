import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { chromiumAvailable, launchBrowser, screenshot, watchPageErrors } from '../../test/harness/browser.js';
import { createStaff, PASSWORD, registerCustomer, visitorWithConversation } from '../../test/harness/factories.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

/** What an authenticator app shows for `secret` at `at` (otpauth, a kept library, like the server). */
const codeAt = (secret: string, at: number) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: at,
  });

/** Opens a downloaded zip. */
async function openZip(download: Download): Promise<Record<string, Uint8Array>> {
  return unzipSync(new Uint8Array(readFileSync((await download.path())!)));
}

describe.skipIf(!chromiumAvailable())('two-factor sign-in, sessions and personal data in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  // The server's clock: each sign-in moves it to the next 30-second step (a code is accepted once).
  const clock = new ManualClock(Date.now());
  beforeAll(async () => {
    t = await startTestApp('sqlite', { clock });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  async function open(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    return { context, page, errors: watchPageErrors(page) };
  }

  async function passwordStep(page: Page, username: string) {
    await page.goto(`${t.url}/staff/signin`);
    await page.getByLabel('E-mail or username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Sets up two-factor on the account page of a signed-in staff page; returns the key and recovery codes. */
  async function enrol(page: Page, shot?: string): Promise<{ secret: string; codes: string[] }> {
    await page.goto(`${t.url}/staff/account`);
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    const key = page.getByLabel('Set-up key');
    await expect.poll(() => key.count()).toBe(1);
    const secret = (await key.textContent())!.replace(/\s/g, '');
    expect(await page.getByRole('img', { name: /QR code/ }).getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    if (shot) await screenshot(page, `${shot}-setup`);
    await page.getByLabel('Code from the app').fill(codeAt(secret, clock.now()));
    await page.getByRole('button', { name: 'Turn on' }).click();
    const list = page.getByRole('list', { name: 'Recovery codes' });
    await expect.poll(() => list.locator('li').count()).toBe(10);
    if (shot) await screenshot(page, `${shot}-recovery-codes`);
    const codes = (await list.locator('li').allTextContents()).map((c) => c.trim());
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await expect.poll(() => page.getByText('10 recovery codes left').count()).toBe(1);
    return { secret, codes };
  }

  it('an agent turns two-factor on with an authenticator code, then signs in with a code or a recovery code', async () => {
    const agent = await createStaff(t, 'agent', { firstName: 'Tess' });
    const { page, errors } = await open();
    await passwordStep(page, agent.username);
    await expect.poll(() => page.getByRole('heading', { name: 'Queue' }).count()).toBe(1);
    const { secret, codes } = await enrol(page, 'two-factor');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/staff\/signin/);
    clock.advance(30_000);
    await passwordStep(page, agent.username);
    const code = page.getByLabel('Code', { exact: true });
    await expect.poll(() => code.count()).toBe(1);
    await screenshot(page, 'two-factor-signin-code');
    await code.fill('123456');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.locator('.alert-danger').textContent()).toMatch(/not right/);
    await code.fill(codeAt(secret, clock.now()));
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Queue' }).count()).toBe(1);

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/staff\/signin/);
    await passwordStep(page, agent.username);
    await page.getByLabel('Code', { exact: true }).fill(codes[0]!);
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Queue' }).count()).toBe(1);
    await page.goto(`${t.url}/staff/account`);
    await expect.poll(() => page.getByText('9 recovery codes left').count()).toBe(1);

    // Turning it off asks for the password; a wrong one is said next to the field.
    await page.getByRole('button', { name: 'Turn off' }).click();
    await page.getByLabel('Your password').fill('not the password');
    await page.getByRole('dialog').getByRole('button', { name: 'Turn off' }).click();
    await expect.poll(() => page.getByRole('dialog').locator('.invalid-feedback').textContent()).toMatch(/not your/);
    await page.getByLabel('Your password').fill(PASSWORD);
    await page.getByRole('dialog').getByRole('button', { name: 'Turn off' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Set up two-factor sign-in' }).count()).toBe(1);
    expect(errors.filter((e) => !/40[01]/.test(e))).toEqual([]);
  });

  it('a staff member sees their devices and signs another one out', async () => {
    const agent = await createStaff(t, 'agent', { firstName: 'Dev' });
    const laptop = await open();
    const phone = await open();
    for (const p of [laptop.page, phone.page]) {
      await passwordStep(p, agent.username);
      await expect.poll(() => p.getByRole('heading', { name: 'Queue' }).count()).toBe(1);
    }
    await laptop.page.goto(`${t.url}/staff/account`);
    const devices = laptop.page.getByRole('list', { name: 'Signed-in devices' }).locator('li');
    await expect.poll(() => devices.count()).toBe(2);
    expect(await devices.filter({ hasText: 'This device' }).count()).toBe(1);
    await screenshot(laptop.page, 'staff-sessions');
    await devices
      .filter({ hasNotText: 'This device' })
      .getByRole('button', { name: /Sign out/ })
      .click();
    await expect.poll(() => devices.count()).toBe(1);
    // The other browser is signed out at once: its open desk is told over its socket and goes to the sign-in.
    await phone.page.waitForURL(/\/staff\/signin/);
    await laptop.context.close();
    await phone.context.close();
  });

  it('an admin required to use two-factor is sent to set it up, then reaches the admin pages', async () => {
    const admin = await createStaff(t, 'admin', { firstName: 'Ida' });
    await t.ctx.services.settings.set('security.adminTwoFactorRequired', true, null);
    try {
      const { page, context } = await open();
      clock.advance(30_000);
      await passwordStep(page, admin.username);
      await page.waitForURL(/\/staff\/account/);
      await expect.poll(() => page.getByText('Admins must use two-factor sign-in here').count()).toBe(1);
      await screenshot(page, 'two-factor-required');
      await page.goto(`${t.url}/staff/admin/users`);
      await page.waitForURL(/\/staff\/account/);
      await enrol(page);
      await page.goto(`${t.url}/staff/admin/users`);
      await expect.poll(() => page.getByRole('heading', { name: 'Users' }).count()).toBe(1);
      await context.close();
    } finally {
      await t.ctx.services.settings.set('security.adminTwoFactorRequired', false, null);
    }
  });

  it('an admin downloads a customer’s data and erases it; a visitor is reached from the message logs', async () => {
    const admin = await createStaff(t, 'admin', { firstName: 'Eva' });
    const customer = await registerCustomer(t, t.client(), { displayName: 'Cleo Export' });
    await customer.client.post('/api/conversations', {
      text: 'Please send me everything you hold about me.',
      clientMsgId: 'export-1-abcdefgh',
    });
    const visitor = await visitorWithConversation(t, 'A visitor asks to be forgotten, please.', 'Vic Forget');

    const { page, context, errors } = await open();
    clock.advance(30_000);
    await passwordStep(page, admin.username);
    await expect.poll(() => page.getByRole('heading', { name: 'Queue' }).count()).toBe(1);
    await page.goto(`${t.url}/staff/admin/users`);
    await page.getByRole('button', { name: 'Customers' }).click();
    await page.getByRole('link', { name: `Personal data of ${customer.username}: download or erase` }).click();
    await expect.poll(() => page.getByRole('heading', { name: /Cleo Export/ }).count()).toBe(1);
    await expect.poll(() => page.getByText('Please send me').count()).toBe(0);
    await screenshot(page, 'admin-contact');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download all data (zip)' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^support-central-customer-.*\.zip$/);
    const files = await openZip(download);
    expect(JSON.parse(strFromU8(files['account.json']!))).toMatchObject({ username: customer.username });
    const messages = Object.keys(files).find((f) => f.endsWith('messages.json'))!;
    expect(strFromU8(files[messages]!)).toContain('Please send me everything you hold about me.');

    await page.getByRole('button', { name: 'Erase all data' }).click();
    await screenshot(page, 'admin-contact-erase');
    await page.getByRole('dialog').getByRole('button', { name: 'Erase for good' }).click();
    await expect.poll(() => page.getByText(/Erased 1 conversation and 0 files/).count()).toBe(1);
    expect(
      (await t.client().post('/api/customers/login', { login: customer.username, password: PASSWORD })).status,
    ).toBe(401);

    // The visitor: from its conversation in the message logs.
    await page.goto(`${t.url}/staff/admin/logs`);
    await page.getByRole('button', { name: 'Show logs' }).click();
    await page.locator('summary', { hasText: 'Vic Forget' }).click();
    await page.getByRole('link', { name: 'Personal data of Vic Forget: download or erase' }).click();
    await expect.poll(() => page.getByRole('heading', { name: /Vic Forget/ }).count()).toBe(1);
    await page.getByRole('button', { name: 'Erase all data' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Erase for good' }).click();
    await expect.poll(() => page.getByText(/Erased 1 conversation/).count()).toBe(1);
    expect((await visitor.client.get(`/api/conversations/${visitor.conversationId}`)).status).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a customer downloads their data, signs out another device and deletes their account', async () => {
    const customer = await registerCustomer(t, t.client(), { displayName: 'Mia Mine' });
    await customer.client.post('/api/conversations', {
      text: 'Where is my parcel, it has been a week?',
      clientMsgId: 'mine-1-abcdefgh',
    });
    const { page, context, errors } = await open();
    await page.goto(`${t.url}/signin`);
    await page.getByLabel('E-mail or username').fill(customer.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${t.url}/`);
    await page.goto(`${t.url}/account`);
    const devices = page.getByRole('list', { name: 'Signed-in devices' }).locator('li');
    // This browser and the API client that registered.
    await expect.poll(() => devices.count()).toBe(2);
    await devices
      .filter({ hasNotText: 'This device' })
      .getByRole('button', { name: /Sign out/ })
      .click();
    await expect.poll(() => devices.count()).toBe(1);
    expect((await customer.client.get('/api/session')).body.me).toBeNull();

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download my data' }).click(),
    ]);
    const files = await openZip(download);
    const messages = Object.keys(files).find((f) => f.endsWith('messages.json'))!;
    expect(JSON.parse(strFromU8(files[messages]!))[0].text).toBe('Where is my parcel, it has been a week?');

    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByLabel('Your password').fill('wrong password');
    await page.getByRole('dialog').getByRole('button', { name: 'Delete everything' }).click();
    await expect.poll(() => page.getByRole('dialog').locator('.invalid-feedback').textContent()).toMatch(/not your/);
    await screenshot(page, 'account-delete');
    await page.getByLabel('Your password').fill(PASSWORD);
    await page.getByRole('dialog').getByRole('button', { name: 'Delete everything' }).click();
    await page.waitForURL(`${t.url}/`);
    await expect.poll(() => page.getByRole('link', { name: 'Sign in' }).count()).toBe(1);
    expect(errors.filter((e) => !/40[01]/.test(e))).toEqual([]);
    await context.close();
  });
});
