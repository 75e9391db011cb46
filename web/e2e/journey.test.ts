import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../../test/harness/a11y.js';
import { chromiumAvailable, launchBrowser, screenshot, watchPageErrors } from '../../test/harness/browser.js';
import { createStaff, PASSWORD } from '../../test/harness/factories.js';
import { pdf, png } from '../../test/harness/file-fixtures.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

/**
 * The product as its users meet it, in one journey: an admin creates an agent who signs in; a visitor and a
 * customer each hold a conversation with agents (files, a note, a canned reply, a hand-over, a reload that loses
 * nothing, a close); the customer signs out and back in and finds the history; an admin reads the message log
 * and the audit log. Every screen is screenshotted (test-results/screens/journey-*.png) and checked with axe-core.
 */
describe.skipIf(!chromiumAvailable())('the whole journey in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];
  let step = 0;

  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { SERVICE_NAME: 'Campus Help Desk', AGENT_TITLE: 'Course Assistant' } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  async function newPage(width = 1280): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 }, reducedMotion: 'reduce' });
    contexts.push(context);
    const page = await context.newPage();
    errors.push(...watchPageErrors(page));
    return page;
  }

  /** A screenshot of the screen as it is, and no serious or critical accessibility violation on it. */
  async function shot(page: Page, name: string): Promise<void> {
    step += 1;
    await page.waitForLoadState('networkidle');
    const violations = await seriousA11yViolations(page);
    if (violations.length > 0) process.stdout.write(`[a11y] ${name}: ${JSON.stringify(violations, null, 1)}\n`);
    expect(violations, name).toEqual([]);
    await screenshot(page, `journey-${String(step).padStart(2, '0')}-${name}`);
  }

  async function staffSignIn(page: Page, username: string, password: string): Promise<void> {
    await page.goto(`${t.url}/staff/signin`);
    await page.getByLabel('E-mail or username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Queue' }).count()).toBe(1);
  }

  const bubble = (page: Page, text: string) => page.locator('.sc-bubble', { hasText: text });

  it('runs end to end', async () => {
    // 1. The admin creates an agent, who signs in.
    await createStaff(t, 'admin', { firstName: 'Ada', lastName: 'Lovelace', username: 'ada' });
    const adminPage = await newPage(1440);
    await staffSignIn(adminPage, 'ada', PASSWORD);
    await adminPage.getByRole('link', { name: 'Admin', exact: true }).click();
    await adminPage.getByRole('link', { name: 'Users' }).click();
    await adminPage.getByRole('button', { name: 'New staff member' }).click();
    const dialog = adminPage.getByRole('dialog');
    await dialog.getByLabel('First name').fill('Alex');
    await dialog.getByLabel('Last name').fill('Helper');
    await dialog.getByLabel('Username').fill('alex');
    await dialog.getByLabel('E-mail').fill('alex@campus.example');
    await dialog.getByLabel('Job title').fill('Course Assistant');
    await dialog.getByLabel('Initial password').fill('alex first passphrase');
    await shot(adminPage, 'admin-new-agent');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => adminPage.getByText('Staff member created').count()).toBe(1);
    await shot(adminPage, 'admin-users');
    const second = await createStaff(t, 'agent', { firstName: 'Sam', lastName: 'Second', username: 'sam' });

    const alex = await newPage(1440);
    await staffSignIn(alex, 'alex', 'alex first passphrase');
    await shot(alex, 'desk-empty');

    // 2. A visitor starts a conversation, with a screenshot attached.
    const visitor = await newPage(390);
    await visitor.goto(t.url);
    await shot(visitor, 'landing');
    await visitor.getByLabel('Your name').fill('Vera Visitor');
    await visitor.getByRole('button', { name: 'Technical problem' }).click();
    await visitor.getByLabel('Your question').fill('The course page will not accept my upload.');
    await visitor
      .locator('input[type=file]')
      .setInputFiles({ name: 'error.png', mimeType: 'image/png', buffer: png(80, 40, [200, 40, 40]) });
    await visitor.getByRole('button', { name: 'Start conversation' }).click();
    await visitor.waitForURL(/\/c\//);
    await expect.poll(() => visitor.getByText('You are next in line.').count()).toBe(1);
    await shot(visitor, 'visitor-waiting');

    // 3. Alex sees it live, joins, replies with a canned reply, adds a note.
    await expect.poll(() => alex.locator('.sc-queue').getByText('Vera Visitor').count()).toBe(1);
    await shot(alex, 'desk-queue');
    await alex.getByRole('button', { name: 'Join Vera Visitor' }).click();
    const reply = alex.getByLabel('Reply', { exact: true });
    await reply.fill('/hi');
    await reply.press('Space');
    await reply.press('Control+Enter');
    await expect.poll(() => bubble(visitor, 'Hi Vera Visitor, I’m Alex Helper (Course Assistant)').count()).toBe(1);
    await expect
      .poll(() => alex.locator('.sc-attachment, .sc-attachments img, a[href*="/attachments/"]').count())
      .toBeGreaterThan(0);
    await alex.getByRole('button', { name: 'Private note' }).click();
    await alex.getByLabel('Private note', { exact: true }).fill('Upload limit is 5 MB; probably too big');
    await alex.getByRole('button', { name: 'Add note' }).click();
    await alex.getByRole('button', { name: 'Reply', exact: true }).click();
    await reply.fill('How big is the file you are uploading?');
    await reply.press('Control+Enter');
    await expect.poll(() => bubble(visitor, 'How big is the file').count()).toBe(1);
    expect(await visitor.getByText('probably too big').count()).toBe(0);
    await shot(alex, 'desk-conversation');

    // 4. The visitor reloads mid-conversation with a draft: nothing is lost.
    await visitor.getByLabel('Message').fill('About 12 MB, a video');
    await visitor.reload();
    await expect.poll(() => bubble(visitor, 'How big is the file').count()).toBe(1);
    expect(await visitor.getByLabel('Message').inputValue()).toBe('About 12 MB, a video');
    await visitor.getByLabel('Message').press('Control+Enter');
    await expect.poll(() => bubble(alex, 'About 12 MB').count()).toBe(1);
    await shot(visitor, 'visitor-conversation');

    // 5. Hand-over: Sam joins, Alex leaves; Sam closes; the visitor sees it at once.
    const sam = await newPage(1280);
    await staffSignIn(sam, second.username, PASSWORD);
    await sam.getByRole('button', { name: 'All active' }).click();
    await sam.getByRole('button', { name: /Vera Visitor/ }).click();
    await sam.getByRole('button', { name: 'Join', exact: true }).click();
    await expect.poll(() => visitor.getByText('Sam Second joined the chat').count()).toBe(1);
    await alex.getByRole('button', { name: 'Leave', exact: true }).click();
    await expect.poll(() => visitor.getByText('Alex Helper left the chat').count()).toBe(1);
    await sam.getByLabel('Reply', { exact: true }).fill('I am taking over: videos go through the media library.');
    await sam.getByLabel('Reply', { exact: true }).press('Control+Enter');
    await expect.poll(() => bubble(visitor, 'taking over').count()).toBe(1);
    await sam.getByRole('button', { name: 'Close', exact: true }).click();
    await sam.getByRole('dialog').getByRole('button', { name: 'Close conversation' }).click();
    await expect.poll(() => visitor.getByText('This conversation was closed by Sam Second.').count()).toBe(1);
    await shot(visitor, 'visitor-closed');

    // 6. A customer registers, holds a conversation with a PDF, and is answered.
    const customer = await newPage(1024);
    await customer.goto(`${t.url}/register`);
    await customer.getByLabel('E-mail address').fill('casey@students.example');
    await customer.getByLabel('Username').fill('casey');
    await customer.getByLabel('Your name').fill('Casey Customer');
    await customer.getByLabel('Password', { exact: true }).fill('a lamp in the library');
    await customer.getByLabel('Repeat the password').fill('a lamp in the library');
    await shot(customer, 'register');
    await customer.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => customer.getByRole('link', { name: 'Casey Customer' }).count()).toBe(1);
    await customer.getByLabel('Your question').fill('Can I get a receipt for my course fee?');
    await customer.getByRole('button', { name: 'Start conversation' }).click();
    await customer.waitForURL(/\/c\//);
    await customer
      .locator('input[type=file]')
      .setInputFiles({ name: 'fee.pdf', mimeType: 'application/pdf', buffer: pdf('Course fee 2026') });
    await expect.poll(() => customer.getByText('fee.pdf').count()).toBeGreaterThan(0);
    await customer.getByLabel('Message').fill('Here is the payment confirmation.');
    await customer.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => bubble(customer, 'payment confirmation').count()).toBe(1);
    await expect.poll(() => alex.locator('.sc-queue').getByText('Casey Customer').count()).toBe(1);
    await alex.getByRole('button', { name: 'Join Casey Customer' }).click();
    await expect.poll(() => alex.getByText('fee.pdf').count()).toBeGreaterThan(0);
    await alex.getByLabel('Reply', { exact: true }).fill('Done: the receipt is on its way by e-mail.');
    await alex.getByLabel('Reply', { exact: true }).press('Control+Enter');
    await expect.poll(() => bubble(customer, 'receipt is on its way').count()).toBe(1);
    await alex.getByRole('button', { name: 'Close', exact: true }).click();
    await alex.getByRole('dialog').getByRole('button', { name: 'Close conversation' }).click();
    await expect.poll(() => customer.getByText('This conversation was closed by Alex Helper.').count()).toBe(1);
    await shot(customer, 'customer-closed');

    // 7. The customer signs out, signs back in and finds the history.
    await customer.getByRole('button', { name: 'Sign out' }).click();
    await customer.goto(`${t.url}/signin`);
    await customer.getByLabel('E-mail or username').fill('casey');
    await customer.getByLabel('Password').fill('a lamp in the library');
    await customer.getByRole('button', { name: 'Sign in' }).click();
    await customer.getByRole('link', { name: 'My conversations' }).click();
    await expect.poll(() => customer.locator('.list-group-item').count()).toBe(1);
    await shot(customer, 'customer-history');
    await customer.getByLabel('Search your conversations').fill('receipt');
    await expect.poll(() => customer.locator('.list-group-item').count()).toBe(1);
    await customer.getByLabel('Search your conversations').fill('nothing like this');
    await expect.poll(() => customer.getByText('Nothing matches.').count()).toBe(1);
    await customer.getByLabel('Search your conversations').fill('');
    await customer.locator('.list-group-item a').first().click();
    await expect.poll(() => bubble(customer, 'receipt is on its way').count()).toBe(1);
    await expect.poll(() => customer.getByText('fee.pdf').count()).toBeGreaterThan(0);

    // 8. The admin reads the overview, the message log (note included) and the audit log.
    await adminPage.getByRole('link', { name: 'Overview' }).click();
    await expect.poll(() => adminPage.getByText('Median first response').count()).toBe(2);
    await shot(adminPage, 'admin-overview');
    await adminPage.getByRole('link', { name: 'Message logs' }).click();
    await adminPage.getByRole('button', { name: 'Show logs' }).click();
    await adminPage.getByLabel('Text').fill('too big');
    await adminPage.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => adminPage.locator('details').count()).toBe(1);
    await adminPage.locator('details summary').click();
    await expect.poll(() => adminPage.locator('.sc-msg-note', { hasText: 'probably too big' }).count()).toBe(1);
    await shot(adminPage, 'admin-message-logs');
    await adminPage.getByRole('link', { name: 'Audit log' }).click();
    await expect.poll(() => adminPage.getByText('message_logs.viewed').count()).toBeGreaterThan(0);
    expect(await adminPage.getByText('user.created').count()).toBeGreaterThan(0);
    await shot(adminPage, 'admin-audit');
    for (const name of ['Hours', 'Settings', 'Canned replies', 'Topics']) {
      await adminPage.getByRole('link', { name, exact: true }).click();
      await shot(adminPage, `admin-${name.toLowerCase().replace(' ', '-')}`);
    }
    expect(errors.filter((e) => !/\b(400|401|409)\b/.test(e))).toEqual([]);
  });
});
