import type { Browser, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEEKDAYS } from '../../src/shared/schedule.schemas.js';
import { chromiumAvailable, launchBrowser, screenshot, watchPageErrors } from '../../test/harness/browser.js';
import { createStaff, PASSWORD, staffClient, visitorClient } from '../../test/harness/factories.js';
import { startTestSmtp } from '../../test/harness/smtp.js';
import { connected, socketClient } from '../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

describe.skipIf(!chromiumAvailable())('support hours screens in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { SUPPORT_TIMEZONE: 'UTC' } });
    browser = await launchBrowser();
    // Open around the clock by the weekly schedule, whatever time the test runs at.
    await t.ctx.services.schedule.setWeek(
      Object.fromEntries(WEEKDAYS.map((d) => [d, [{ start: '00:00', end: '24:00' }]])),
      'setup',
    );
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await browser?.close();
    await t?.stop();
  });

  async function page(): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await context.newPage();
    return { page: p, errors: watchPageErrors(p) };
  }

  const banner = (p: Page) => p.locator('#support-status-title');
  const detail = (p: Page) => p.getByTestId('status-detail');

  it('an admin closes today on the hours screen and an open landing page switches to closed without reloading', async () => {
    const { page: landing, errors: landingErrors } = await page();
    await landing.goto(`${t.url}/`);
    await expect.poll(() => banner(landing).textContent()).toBe('Open, but all agents are away');
    expect(await detail(landing).textContent()).toBe(
      'Your question waits in the queue and someone answers as soon as they are back.',
    );
    // Nothing promises a live answer while nobody is there, and nothing is said twice.
    expect(await landing.getByText(/answers live/).count()).toBe(0);
    expect(await landing.getByText(/away/).count()).toBe(1);
    expect(await landing.getByRole('button', { name: 'Start conversation' }).count()).toBe(1);
    await screenshot(landing, 'support-hours-landing-agents-away');
    // Marks this document: a reload would lose it.
    await landing.evaluate(() => ((globalThis as unknown as { scNoReload: boolean }).scNoReload = true));

    // An agent opens a desk (a /staff socket): the landing page hears about it live.
    const agent = await staffClient(t, await createStaff(t, 'agent', { firstName: 'Avery', lastName: 'Ames' }));
    const desk = socketClient(t.url, '/staff', { cookie: agent.cookieHeader() });
    sockets.push(desk);
    await connected(desk);
    await expect.poll(() => banner(landing).textContent()).toBe('Online now');
    await expect.poll(() => detail(landing).textContent()).toBe('One agent is here to answer.');
    expect(await landing.getByText(/Our team answers live, right here in your browser/).count()).toBe(1);
    await screenshot(landing, 'support-hours-landing-open');

    // The admin, in another browser, closes today with a reason.
    const admin = await createStaff(t, 'admin', { firstName: 'Ada', lastName: 'Lovelace' });
    const { page: staff, errors: staffErrors } = await page();
    await staff.goto(`${t.url}/staff/signin`);
    await staff.getByLabel('E-mail or username').fill(admin.username);
    await staff.getByLabel('Password').fill(PASSWORD);
    await staff.getByRole('button', { name: 'Sign in' }).click();
    await staff.getByRole('link', { name: 'Admin', exact: true }).click();
    await staff.getByRole('link', { name: 'Hours' }).click();
    await expect.poll(() => staff.getByRole('heading', { name: 'Support hours' }).count()).toBe(1);

    // A bad time is refused with the server's message next to the field.
    await staff.getByLabel('Monday, hours 1, closes at').fill('25:00');
    await staff.getByRole('button', { name: 'Save weekly schedule' }).click();
    await expect.poll(() => staff.locator('.invalid-feedback').first().textContent()).toMatch(/"25:00" is not a time/);
    await screenshot(staff, 'support-hours-admin-field-error');
    await staff.getByRole('button', { name: 'Discard changes' }).click();

    await staff.getByRole('button', { name: 'Add a date' }).click();
    expect(await staff.getByLabel('Date', { exact: true }).inputValue()).toBe(new Date().toISOString().slice(0, 10));
    await staff.getByLabel('Closed all day').check();
    await staff.getByLabel('Reason (visitors see it)').fill('Staff training');
    await staff.getByRole('button', { name: 'Add override' }).click();
    await expect.poll(() => staff.getByRole('cell', { name: 'Staff training' }).count()).toBe(1);
    await expect
      .poll(() => staff.getByRole('status').filter({ hasText: 'Now:' }).textContent())
      .toMatch(/We're closed today \(Staff training\)/);
    await screenshot(staff, 'support-hours-admin-today-closed');

    // The landing page switched by itself: same document, new status.
    await expect.poll(() => banner(landing).textContent()).toBe('Closed today: Staff training');
    expect(await detail(landing).textContent()).toMatch(/^We are back 12:00 AM tomorrow \(UTC\)\.$/);
    expect(await landing.getByText(/Leave your question here: we answer it when we are back\./).count()).toBe(1);
    expect(await landing.getByText(/answers live/).count()).toBe(0);
    expect(await landing.getByText(/Staff training/).count()).toBe(1);
    expect(await landing.getByRole('heading', { name: 'Leave your question' }).count()).toBe(1);
    expect(await landing.getByRole('button', { name: 'Send your question' }).count()).toBe(1);
    expect(await landing.getByRole('button', { name: 'Start conversation' }).count()).toBe(0);
    expect(await landing.evaluate(() => (globalThis as unknown as { scNoReload?: boolean }).scNoReload)).toBe(true);
    await screenshot(landing, 'support-hours-landing-closed');

    expect(landingErrors).toEqual([]);
    expect(staffErrors.filter((e) => !e.includes('400'))).toEqual([]);
  });

  it('the admin sets a retention period and the e-mail rule, with errors inline', async () => {
    const admin = await createStaff(t, 'admin');
    const { page: staff } = await page();
    await staff.goto(`${t.url}/staff/signin`);
    await staff.getByLabel('E-mail or username').fill(admin.username);
    await staff.getByLabel('Password').fill(PASSWORD);
    await staff.getByRole('button', { name: 'Sign in' }).click();
    await staff.getByRole('link', { name: 'Admin', exact: true }).click();
    await staff.getByRole('link', { name: 'Settings' }).click();
    const days = staff.getByLabel('Delete closed and left conversations after (days)');
    await expect.poll(() => days.getAttribute('placeholder')).toBe('Keep forever');
    await days.fill('-3');
    await staff.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => staff.locator('#setting-retention-days-error').textContent()).toMatch(/at least 1 day/);
    await screenshot(staff, 'support-hours-settings-error');
    await days.fill('90');
    await staff.getByLabel('Require an e-mail address from visitors while support is closed').check();
    await staff.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => staff.getByText('Saved.').count()).toBe(1);
    expect(t.ctx.services.settings.get('retention.days')).toBe(90);
    expect(t.ctx.services.settings.get('conversations.emailRequiredWhileClosed')).toBe(true);

    // Today is closed (previous test): the landing form now asks for an address, and says why.
    const { page: landing } = await page();
    await landing.goto(`${t.url}/`);
    await expect.poll(() => landing.getByLabel('Your e-mail address').count()).toBe(1);
    // This server has no SMTP: the address is for the team to reach the visitor, not for a reply by mail.
    await expect.poll(() => landing.getByText(/we need it so our team can reach you/).count()).toBe(1);
    await landing.getByLabel('Your name').fill('Vera Visitor');
    await landing.getByLabel('Your question').fill('Can someone call me back tomorrow?');
    await landing.getByRole('button', { name: 'Send your question' }).click();
    await expect
      .poll(() => landing.locator('.invalid-feedback').first().textContent())
      .toMatch(/leave your e-mail address/);
    await landing.getByLabel('Your e-mail address').fill('vera@visitor.example');
    await landing.getByRole('button', { name: 'Send your question' }).click();
    await landing.waitForURL(/\/c\//);
    await expect.poll(() => landing.getByText(/We're closed right now \(Staff training\)\./).count()).toBe(1);
    await screenshot(landing, 'support-hours-started-while-closed');
  });

  it('closed by the weekly schedule: says when we are back, asks for a question, not a live chat; no mail, no e-mail field', async () => {
    await t.ctx.services.schedule.deleteOverride(new Date().toISOString().slice(0, 10), null);
    await t.ctx.services.settings.set('conversations.emailRequiredWhileClosed', false, null);
    const today = WEEKDAYS[(new Date().getUTCDay() + 6) % 7]!;
    await t.ctx.services.schedule.setWeek(
      Object.fromEntries(WEEKDAYS.map((d) => [d, d === today ? [] : [{ start: '00:00', end: '24:00' }]])),
      'setup',
    );
    for (const width of [375, 1440]) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const landing = await context.newPage();
      await landing.goto(`${t.url}/`);
      await expect.poll(() => banner(landing).textContent()).toBe('Closed right now');
      expect(await detail(landing).textContent()).toBe('We are back 12:00 AM tomorrow (UTC).');
      expect(await landing.getByText(/Leave your question here: we answer it when we are back\./).count()).toBe(1);
      expect(await landing.getByText(/answers live/).count()).toBe(0);
      expect(await landing.getByRole('button', { name: 'Send your question' }).count()).toBe(1);
      // This server has no SMTP: no optional e-mail field promising a reply by mail.
      expect(await landing.getByLabel(/Your e-mail address/).count()).toBe(0);
      await screenshot(landing, `landing-closed-${width}`);
      await context.close();
    }
  });
});

describe.skipIf(!chromiumAvailable())('offline continuity in Chromium', () => {
  it('the link in a reply e-mail reopens the conversation in a new browser, once', async () => {
    const smtp = await startTestSmtp();
    const t = await startTestApp('sqlite', { env: { SMTP_URL: smtp.url, OFFLINE_MAIL_DELAY_SECONDS: '0' } });
    const browser = await launchBrowser();
    try {
      const visitor = await visitorClient(t);
      const started = await visitor.client.post('/api/conversations', {
        displayName: 'Vera Visitor',
        text: 'Please answer by e-mail, I have to go.',
        email: 'vera@visitor.example',
      });
      const id: string = started.body.conversation.id;
      const agent = await staffClient(t, await createStaff(t, 'agent', { firstName: 'Avery', lastName: 'Ames' }));
      await agent.post(`/api/staff/conversations/${id}/join`);
      await agent.post(`/api/staff/conversations/${id}/messages`, {
        clientMsgId: 'reply-by-mail-1',
        text: 'Your account is unlocked now.',
      });
      const mail = await smtp.next('vera@visitor.example');
      const link = /(http:\/\/\S+\/resume#token=[A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
      expect(link).toBeDefined();

      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const p = await context.newPage();
      const errors = watchPageErrors(p);
      await p.goto(link!);
      await p.waitForURL(new RegExp(`/c/${id}$`));
      await expect.poll(() => p.getByText('Your account is unlocked now.').count()).toBe(1);
      await expect.poll(() => p.getByText('Please answer by e-mail, I have to go.').count()).toBe(1);
      await screenshot(p, 'offline-resumed-conversation');

      // Closed by the agent: the visitor asks for the transcript, to the address given at the start.
      await agent.post(`/api/staff/conversations/${id}/close`);
      await p.getByRole('button', { name: 'E-mail me the transcript' }).click();
      const address = p.getByLabel('E-mail address for the transcript');
      await address.fill('vera@visitor.example');
      await p.getByRole('button', { name: 'Send transcript' }).click();
      await expect.poll(() => p.getByText('The transcript is on its way to vera@visitor.example.').count()).toBe(1);
      const transcript = await smtp.next('vera@visitor.example');
      expect(transcript.text).toContain('Your account is unlocked now.');
      await screenshot(p, 'offline-transcript-sent');
      expect(errors).toEqual([]);

      // The same link a second time (another browser): refused, no session.
      const other = await (await browser.newContext()).newPage();
      await other.goto(link!);
      await expect.poll(() => other.getByText(/invalid, expired or already used/).count()).toBe(1);
      expect(other.url()).not.toContain('token=');
      await screenshot(other, 'offline-resume-link-used');
    } finally {
      await browser.close();
      await t.stop();
      await smtp.close();
    }
  });
});
