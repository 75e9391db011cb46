import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, screenshot, watchPageErrors } from '../../test/harness/browser.js';
import { createStaff, PASSWORD } from '../../test/harness/factories.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

describe.skipIf(!chromiumAvailable())('identity screens in Chromium', () => {
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

  async function page(): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const p = await context.newPage();
    return { page: p, errors: watchPageErrors(p) };
  }

  it('a customer registers (seeing inline errors first), signs out and signs back in', async () => {
    const { page: p, errors } = await page();
    await p.goto(`${t.url}/register`);
    await p.getByLabel('E-mail address').fill('robin@customer.example');
    await p.getByLabel('Username').fill('robin');
    await p.getByLabel('Your name').fill('Robin Reader');
    await p.getByLabel('Password', { exact: true }).fill('password123');
    await p.getByLabel('Repeat the password').fill('password123');
    await p.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => p.locator('.invalid-feedback').first().textContent()).toMatch(/too common/);
    await screenshot(p, 'identity-register-errors');
    await p.getByLabel('Password', { exact: true }).fill('a reading lamp at dusk');
    await p.getByLabel('Repeat the password').fill('a reading lamp at dusk');
    await p.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => p.getByRole('link', { name: 'Robin Reader' }).count()).toBe(1);
    await p.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => p.getByRole('link', { name: 'Sign in' }).count()).toBe(1);
    await p.goto(`${t.url}/signin`);
    await p.getByLabel('E-mail or username').fill('robin');
    await p.getByLabel('Password').fill('wrong password here');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => p.locator('.alert-danger').textContent()).toMatch(/Wrong username\/e-mail or password/);
    await p.getByLabel('Password').fill('a reading lamp at dusk');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => p.getByRole('link', { name: 'Robin Reader' }).count()).toBe(1);
    await p.goto(`${t.url}/account`);
    await expect.poll(() => p.getByRole('heading', { name: 'Your account' }).count()).toBe(1);
    await screenshot(p, 'identity-customer-account');
    expect(errors.filter((e) => !e.includes('401') && !e.includes('400'))).toEqual([]);
  });

  it('refuses reserved and agents’ names next to the field: registration, account, start form', async () => {
    const RESERVED = 'Please choose another name: this one is reserved for the support team.';
    const nameError = (name: string) => p.locator(`.mb-3:has(input[name="${name}"]) .invalid-feedback`);
    await createStaff(t, 'agent', { firstName: 'Morgan', lastName: 'Vale' });
    const { page: p, errors } = await page();
    await p.goto(`${t.url}/register`);
    await p.getByLabel('E-mail address').fill('morgan@customer.example');
    await p.getByLabel('Username').fill('morganc');
    await p.getByLabel('Your name').fill('Morgan Vale');
    await p.getByLabel('Password', { exact: true }).fill('a reading lamp at dusk');
    await p.getByLabel('Repeat the password').fill('a reading lamp at dusk');
    await p.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => nameError('displayName').textContent()).toBe(RESERVED);
    await screenshot(p, 'identity-register-reserved-name');
    await p.getByLabel('Your name').fill('Morgan Client');
    await p.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => p.getByRole('link', { name: 'Morgan Client' }).count()).toBe(1);

    await p.goto(`${t.url}/account`);
    await p.getByLabel('Your name').fill('Support Team');
    await p.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => nameError('displayName').textContent()).toBe(RESERVED);

    // An agent now has the customer's name: starting a conversation under it says so, where the name is shown.
    await createStaff(t, 'agent', { firstName: 'Morgan', lastName: 'Client' });
    await p.goto(`${t.url}/`);
    await p.getByLabel('Your question').fill('Hello, I need some help with my order.');
    await p.getByRole('button', { name: 'Start conversation' }).click();
    await expect
      .poll(() => p.locator('form .invalid-feedback[role=alert]').textContent())
      .toBe(`${RESERVED} Change it on your account page.`);
    await screenshot(p, 'identity-start-reserved-account-name');
    expect(errors.filter((e) => !e.includes('400'))).toEqual([]);
  });

  it('an agent signs in to the desk and is kept out of admin pages', async () => {
    const agent = await createStaff(t, 'agent', { firstName: 'Avery', lastName: 'Ames' });
    const { page: p } = await page();
    await p.goto(`${t.url}/staff/admin/users`);
    await p.waitForURL(/\/staff\/signin\?next=/);
    await p.getByLabel('E-mail or username').fill(agent.username);
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => p.getByText('Only admins can open this page.').count()).toBe(1);
    await p.getByRole('link', { name: 'Desk' }).click();
    await expect.poll(() => p.getByRole('heading', { name: 'Queue' }).count()).toBe(1);
    expect(await p.getByRole('link', { name: 'Avery Ames' }).count()).toBe(1);
    expect(await p.getByRole('link', { name: 'Admin', exact: true }).count()).toBe(0);
  });

  it('an admin creates, finds, deactivates, resets and deletes a staff member', async () => {
    const admin = await createStaff(t, 'admin', { firstName: 'Ada', lastName: 'Lovelace' });
    const { page: p, errors } = await page();
    await p.goto(`${t.url}/staff/signin`);
    await p.getByLabel('E-mail or username').fill(admin.username);
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('link', { name: 'Admin', exact: true }).click();
    await p.getByRole('link', { name: 'Users' }).click();
    await p.getByRole('button', { name: 'New staff member' }).click();
    const dialog = p.getByRole('dialog');
    await dialog.getByLabel('First name').fill('Casey');
    await dialog.getByLabel('Last name').fill('Assistant');
    await dialog.getByLabel('Username').fill('casey');
    await dialog.getByLabel('E-mail').fill('casey@staff.example');
    await dialog.getByLabel('Job title').fill('Course Assistant');
    await dialog.getByLabel('Initial password').fill('short');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => dialog.locator('.invalid-feedback').textContent()).toMatch(/at least 10/);
    await screenshot(p, 'identity-admin-create-error');
    await dialog.getByLabel('Initial password').fill('casey first passphrase');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => p.getByText('Staff member created').count()).toBe(1);

    await p.getByLabel('Search users').fill('casey');
    const row = p.getByRole('row', { name: /Casey Assistant/ });
    await expect.poll(() => row.count()).toBe(1);
    await screenshot(p, 'identity-admin-users');

    await row.getByRole('button', { name: 'Deactivate' }).click();
    await p.getByRole('dialog').getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(() => row.getByText('Deactivated').count()).toBe(1);
    await row.getByRole('button', { name: 'Reactivate' }).click();
    await p.getByRole('dialog').getByRole('button', { name: 'Reactivate' }).click();
    await expect.poll(() => row.getByText('Active').count()).toBe(1);

    await row.getByRole('button', { name: 'Reset password' }).click();
    await p.getByRole('dialog').getByLabel('New password').fill('casey second passphrase');
    await p.getByRole('dialog').getByRole('button', { name: 'Set password' }).click();
    await expect.poll(() => p.getByText(/New password set for casey/).count()).toBe(1);
    expect(
      (await t.staffClient().post('/api/staff/login', { login: 'casey', password: 'casey second passphrase' })).status,
    ).toBe(200);

    await row.getByRole('button', { name: 'Delete' }).click();
    await screenshot(p, 'identity-admin-delete-confirm');
    await p.getByRole('dialog').getByRole('button', { name: 'Delete for good' }).click();
    await expect.poll(() => p.getByText('casey was deleted.').count()).toBe(1);

    await p.getByRole('link', { name: 'Audit log' }).click();
    await expect.poll(() => p.getByText('user.deleted').count()).toBeGreaterThan(0);
    await screenshot(p, 'identity-admin-audit');
    expect(errors.filter((e) => !e.includes('400'))).toEqual([]);
  });
});
