import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, screenshot, watchPageErrors } from '../../test/harness/browser.js';
import { createStaff, PASSWORD, staffClient, type StaffAccount } from '../../test/harness/factories.js';
import type { HttpClient } from '../../test/harness/http-client.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

describe.skipIf(!chromiumAvailable())('the desk’s tools in Chromium: search, labels, snooze, rating, reports', () => {
  let t: TestApp;
  let browser: Browser;
  let agent: StaffAccount;
  let agentHttp: HttpClient;
  let admin: StaffAccount;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
    browser = await launchBrowser();
    agent = await createStaff(t, 'agent', { firstName: 'Alex', lastName: 'Helper' });
    agentHttp = await staffClient(t, agent);
    admin = await createStaff(t, 'admin', { firstName: 'Ada', lastName: 'Lovelace' });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  async function signIn(page: Page, account: StaffAccount): Promise<void> {
    await page.goto(`${t.url}/staff/signin`);
    await page.getByLabel('E-mail or username').fill(account.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Queue' }).count()).toBe(1);
  }

  it('an admin makes labels; an agent finds a conversation, labels it, snoozes it, sees it wake, and reads the rating', async () => {
    // Admin → Labels.
    const adminPage = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    const adminErrors = watchPageErrors(adminPage);
    await signIn(adminPage, admin);
    await adminPage.goto(`${t.url}/staff/admin/labels`);
    for (const [name, color] of [
      ['Hardware', 'orange'],
      ['VIP', 'purple'],
    ]) {
      await adminPage.getByLabel('New label', { exact: true }).fill(name!);
      await adminPage.getByLabel('Colour of the new label').selectOption(color!);
      await adminPage.getByRole('button', { name: 'Add label' }).click();
      await expect.poll(() => adminPage.getByLabel(`Name of label ${name}`).count()).toBe(1);
    }
    await adminPage.getByLabel('New label', { exact: true }).fill('hardware');
    await adminPage.getByRole('button', { name: 'Add label' }).click();
    await expect.poll(() => adminPage.getByText('A label with this name exists.').count()).toBe(1);
    await screenshot(adminPage, 'admin-labels');

    // The visitor starts in a browser; the agent joins through the API.
    const visitor = await (await browser.newContext({ viewport: { width: 1024, height: 800 } })).newPage();
    const visitorErrors = watchPageErrors(visitor);
    await visitor.goto(t.url);
    await visitor.getByLabel('Your name').fill('Hana Hardware');
    await visitor.getByLabel('Your question').fill('My laptop charger sparks when I plug it in.');
    await visitor.getByRole('button', { name: 'Start conversation' }).click();
    await visitor.waitForURL(/\/c\//);
    const conversationId = visitor.url().split('/c/')[1]!;
    await agentHttp.post(`/api/staff/conversations/${conversationId}/join`);
    await agentHttp.post(`/api/staff/conversations/${conversationId}/messages`, {
      clientMsgId: randomUUID(),
      text: 'Please unplug it right away; I will check with facilities.',
    });

    // The agent searches from the desk and opens the result.
    const desk = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    const deskErrors = watchPageErrors(desk);
    await signIn(desk, agent);
    await desk.getByLabel('Words in messages or notes').fill('charger sparks');
    await desk.getByRole('button', { name: 'Search', exact: true }).click();
    const results = desk.getByRole('list', { name: 'Search results' });
    await expect.poll(() => results.locator('mark', { hasText: 'charger sparks' }).count()).toBe(1);
    await screenshot(desk, 'desk-search');
    await results.getByRole('button', { name: /Hana Hardware/ }).click();
    const pane = desk.getByRole('region', { name: 'Conversation with Hana Hardware' });
    await expect.poll(() => pane.getByText('Please unplug it right away').count()).toBe(1);

    // Labels: put one on, see it on the conversation and in a label-filtered search.
    await pane.getByLabel('Add a label').selectOption({ label: 'Hardware' });
    await expect.poll(() => pane.getByRole('button', { name: 'Remove label Hardware' }).count()).toBe(1);

    // Snooze until the visitor writes: it leaves "My conversations" for "Snoozed".
    await pane.getByLabel('Snooze for how long').selectOption('reply');
    await pane.getByRole('button', { name: 'Snooze' }).click();
    await expect.poll(() => pane.getByText('Snoozed until the visitor writes').count()).toBe(1);
    const lists = desk.getByRole('complementary', { name: 'Queue and conversations' });
    await lists.getByRole('button', { name: 'Snoozed', exact: true }).click();
    await expect.poll(() => lists.getByRole('button', { name: /Hana Hardware/ }).count()).toBeGreaterThan(0);
    await screenshot(desk, 'desk-snoozed');

    // The visitor writes: it wakes at once, back in "My conversations".
    await visitor.getByLabel('Message').fill('Unplugged it. What now?');
    await visitor.getByLabel('Message').press('Control+Enter');
    await expect.poll(() => pane.getByText('Snoozed until the visitor writes').count()).toBe(0);
    await expect.poll(() => lists.getByText('Nothing snoozed.').count()).toBe(1);
    await lists.getByRole('button', { name: 'My conversations' }).click();
    await expect.poll(() => lists.getByRole('button', { name: /Hana Hardware/ }).count()).toBeGreaterThan(0);

    // Closed (by another agent's client): the chat leaves the tab bar; the visitor rates it.
    await agentHttp.post(`/api/staff/conversations/${conversationId}/close`);
    await expect.poll(() => desk.getByText(/the conversation with Hana Hardware left the tab bar/).count()).toBe(1);
    await expect.poll(() => visitor.getByText('How was your conversation?').count()).toBe(1);
    await visitor.locator('.sc-csat-star').nth(4).click();
    await visitor.getByLabel('Anything to add? (optional)').fill('Quick and safe, thank you.');
    await screenshot(visitor, 'visitor-rating');
    await visitor.getByRole('button', { name: 'Send my rating' }).click();
    await expect.poll(() => visitor.getByText('You rated this conversation 5 out of 5').count()).toBe(1);

    // A label filter finds it; opened on purpose, a closed conversation stays open to be read, rating included.
    await desk.getByText('More filters').click();
    await desk.getByLabel('Words in messages or notes').fill('');
    await desk.getByLabel('Label', { exact: true }).selectOption({ label: 'Hardware' });
    await desk.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => results.getByRole('button', { name: /Hana Hardware/ }).count()).toBe(1);
    await results.getByRole('button', { name: /Hana Hardware/ }).click();
    await expect.poll(() => pane.getByRole('img', { name: '5 out of 5' }).count()).toBe(1);
    await expect.poll(() => pane.getByText('Quick and safe, thank you.').count()).toBe(1);
    await screenshot(desk, 'desk-rated');
    // Within the edit window the visitor may change it, and the open pane follows live.
    await visitor.getByRole('button', { name: /Change it/ }).click();
    await visitor.locator('.sc-csat-star').nth(3).click();
    await visitor.getByRole('button', { name: 'Update my rating' }).click();
    await expect.poll(() => pane.getByRole('img', { name: '4 out of 5' }).count()).toBe(1);
    // The one refused duplicate label is the only failed request.
    expect(adminErrors.filter((e) => !e.includes('409'))).toEqual([]);
    expect([...visitorErrors, ...deskErrors]).toEqual([]);
  });

  for (const width of [1440, 375]) {
    it(`Admin → Reports at ${width}px: charts with tables, a heat map, CSV links, readable on a phone`, async () => {
      const page = await (await browser.newContext({ viewport: { width, height: 900 } })).newPage();
      const errors = watchPageErrors(page);
      await signIn(page, admin);
      await page.goto(`${t.url}/staff/admin/reports`);
      await expect.poll(() => page.getByRole('heading', { name: 'Busiest hours' }).count()).toBe(1);
      await expect.poll(() => page.locator('canvas').count()).toBeGreaterThan(1);
      expect(await page.getByRole('img', { name: /^Conversations per day: / }).count()).toBe(1);
      const csv = page.getByRole('link', { name: 'Download Conversations per day as CSV' });
      expect(await csv.getAttribute('href')).toMatch(/^\/api\/admin\/reports\/csv\/daily\?from=\d{4}-\d\d-\d\d&to=/);
      // The charts' numbers are tables too.
      await page.getByText('Show the numbers').first().click();
      await expect.poll(() => page.getByRole('table', { name: 'Conversations per day' }).count()).toBe(1);
      await page.getByRole('button', { name: 'Last 30 days' }).click();
      await expect
        .poll(() => page.getByText(/conversations started/).textContent())
        .toMatch(/\d+ conversations started/);
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      expect(overflow).toBeLessThanOrEqual(1);
      await screenshot(page, `admin-reports-${width}`);
      expect(errors).toEqual([]);
    });
  }
});
