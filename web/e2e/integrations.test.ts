import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../../test/harness/a11y.js';
import { chromiumAvailable, launchBrowser, screenshot } from '../../test/harness/browser.js';
import { createStaff, PASSWORD, type StaffAccount } from '../../test/harness/factories.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/harness/webhook-receiver.js';

describe.skipIf(!chromiumAvailable())('Admin → API tokens and Webhooks; a bot’s reply in the visitor’s chat', () => {
  let t: TestApp;
  let browser: Browser;
  let admin: StaffAccount;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
    browser = await launchBrowser();
    admin = await createStaff(t, 'admin', { firstName: 'Ada', lastName: 'Integrator' });
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await t?.stop();
  });

  async function signedIn(width: number) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, reducedMotion: 'reduce' });
    const page = await context.newPage();
    await page.goto(`${t.url}/staff/signin`);
    await page.getByLabel('E-mail or username').fill(admin.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Queue' }).count()).toBe(1);
    return { context, page };
  }

  it('an admin creates a bot token (shown once), the bot replies, the visitor sees “Bot”; the token is revoked', async () => {
    const { context, page } = await signedIn(1440);
    await page.goto(`${t.url}/staff/admin/api-tokens`);
    await page.getByLabel('Name').fill('FAQ bot');
    await page.getByLabel(/messages:write/).check();
    await page.getByLabel('Bot name').fill('Campus FAQ');
    await page.getByRole('button', { name: 'Create token' }).click();
    const tokenBox = page.getByLabel('New API token');
    await expect.poll(() => tokenBox.count()).toBe(1);
    const token = await tokenBox.inputValue();
    expect(token).toMatch(/^scat_/);
    await screenshot(page, 'integrations-token-created-1440');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.getByLabel('New API token').count()).toBe(0);
    const row = page.locator('.sc-token', { hasText: 'FAQ bot' });
    expect(await row.textContent()).toContain('replies as “Campus FAQ”');
    expect(await row.textContent()).toContain('messages:write');

    // A visitor asks; the bot answers through the API; the visitor's page shows it as a bot.
    const visitorContext = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const visitor = await visitorContext.newPage();
    await visitor.goto(t.url);
    await visitor.getByLabel('Your name').fill('Robin Visitor');
    await visitor.getByLabel('Your question').fill('When does the library open on Saturdays?');
    await visitor.getByRole('button', { name: 'Start conversation' }).click();
    await visitor.waitForURL(/\/c\//);
    const conversationId = new URL(visitor.url()).pathname.split('/').pop()!;
    const bot = t.staffClient().withBearer(token);
    const sent = await bot.post(`/api/staff/conversations/${conversationId}/messages`, {
      clientMsgId: randomUUID(),
      text: 'The library opens at 10:00 on Saturdays. An agent will join shortly.',
    });
    expect(sent.status).toBe(201);
    const reply = visitor.locator('.sc-msg-bot');
    await expect.poll(() => reply.count()).toBe(1);
    expect(await reply.locator('.sc-msg-author').textContent()).toBe('Campus FAQBot');
    expect(await reply.locator('.sc-bot-badge').textContent()).toBe('Bot');
    await visitor.waitForLoadState('networkidle');
    expect(await seriousA11yViolations(visitor)).toEqual([]);
    await screenshot(visitor, 'integrations-bot-reply-375');
    await visitorContext.close();

    // Last use shows; revoking (with confirmation) stops the token at once.
    await page.reload();
    await expect
      .poll(async () => (await page.locator('.sc-token', { hasText: 'FAQ bot' }).textContent()) ?? '')
      .toContain('from 127.0.0.1');
    await page.getByRole('button', { name: 'Revoke FAQ bot' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(async () => page.locator('.sc-token', { hasText: 'FAQ bot' }).textContent()).toContain('Revoked');
    expect((await bot.get('/api/staff/queue')).status).toBe(401);
    await context.close();
  });

  it('an admin adds an endpoint, sees signed deliveries in the log, and redelivers one', async () => {
    const { context, page } = await signedIn(1440);
    await page.goto(`${t.url}/staff/admin/webhooks`);
    await page.getByLabel('URL').fill(`${receiver.url}/support-events`);
    await page.getByLabel('Description').fill('Our CRM');
    await page.getByLabel('Allow private network targets').check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secretBox = page.getByLabel('Signing secret');
    await expect.poll(() => secretBox.count()).toBe(1);
    receiver.secret = await secretBox.inputValue();
    await page.getByRole('button', { name: 'I have stored it' }).click();
    receiver.script = [{ status: 500, body: 'CRM is restarting' }];

    const v = t.client();
    await v.post('/api/visitor/session', {});
    await v.post('/api/conversations', { displayName: 'Sam Webhook', text: 'Please tell our CRM about this one.' });
    await expect.poll(() => receiver.received.length).toBe(2);
    expect(receiver.received.every((r) => r.verdict.ok)).toBe(true);

    await page.getByRole('button', { name: 'Refresh' }).click();
    const log = page.locator('.sc-delivery');
    await expect.poll(() => log.count()).toBe(2);
    const failing = page.locator('.sc-delivery', { hasText: 'HTTP 500' });
    await expect.poll(() => failing.count()).toBe(1);
    expect(await failing.textContent()).toContain('The receiver answered 500');
    await failing.getByText('Response').click();
    expect(await failing.locator('pre').textContent()).toBe('CRM is restarting');
    await failing.getByRole('button', { name: /^Redeliver/ }).click();
    await expect.poll(() => page.getByText(/Redelivery of .* queued/).count()).toBe(1);
    await expect.poll(() => receiver.received.length).toBe(3);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => page.locator('.sc-delivery', { hasText: 'redelivery' }).count()).toBe(1);
    await expect.poll(() => page.locator('.sc-endpoint').textContent()).toContain('Our CRM');
    await page.waitForLoadState('networkidle');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'integrations-webhooks-1440');
    await context.close();

    const phone = await signedIn(375);
    await phone.page.goto(`${t.url}/staff/admin/webhooks`);
    await expect.poll(() => phone.page.locator('.sc-delivery').count()).toBeGreaterThan(0);
    await phone.page.waitForLoadState('networkidle');
    expect(await seriousA11yViolations(phone.page)).toEqual([]);
    const overflow = (await phone.page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(1);
    await screenshot(phone.page, 'integrations-webhooks-375');
    await phone.page.goto(`${t.url}/staff/admin/api-tokens`);
    await phone.page.waitForLoadState('networkidle');
    await screenshot(phone.page, 'integrations-tokens-375');
    await phone.context.close();
  });
});
