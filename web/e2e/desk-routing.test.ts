import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, screenshot, watchPageErrors } from '../../test/harness/browser.js';
import { createStaff, PASSWORD, staffClient } from '../../test/harness/factories.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

describe.skipIf(!chromiumAvailable())('desk routing and contact panel in Chromium', () => {
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

  async function signIn(page: Page, username: string) {
    await page.goto(`${t.url}/staff/signin`);
    await page.getByLabel('E-mail or username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Queue' }).count()).toBe(1);
  }
  async function startChat(page: Page, name: string, question: string, topic?: string) {
    await page.goto(t.url);
    await page.getByLabel('Your name').fill(name);
    await page.getByLabel('Your question').fill(question);
    if (topic) await page.getByRole('button', { name: topic }).click();
    await page.getByRole('button', { name: 'Start conversation' }).click();
    await page.waitForURL(/\/c\//);
    return page.url().split('/c/')[1]!;
  }

  it('an admin sets up a team; a chat is auto-assigned, the contact panel tells who it is; notes, typing, transfer, close', async () => {
    const adminAccount = await createStaff(t, 'admin', { firstName: 'Ada', lastName: 'Boss' });
    const agentAccount = await createStaff(t, 'agent', { firstName: 'Alex', lastName: 'Helper' });
    const second = await createStaff(t, 'agent', { firstName: 'Blake', lastName: 'Backup' });

    // Admin → Teams: a team that auto-assigns, with Alex; Admin → Topics: "Billing and payments" routes there.
    const adminCtx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const adminPage = await adminCtx.newPage();
    const adminErrors = watchPageErrors(adminPage);
    await signIn(adminPage, adminAccount.username);
    await adminPage.goto(`${t.url}/staff/admin/teams`);
    await adminPage.getByLabel('New team').fill('Billing');
    await adminPage.getByLabel('New chats').selectOption('auto');
    await adminPage.getByRole('button', { name: 'Add team' }).click();
    await expect.poll(() => adminPage.getByLabel('Alex Helper', { exact: true }).count()).toBe(1);
    await adminPage.getByLabel('Alex Helper', { exact: true }).check();
    await expect.poll(() => adminPage.getByLabel('Alex Helper', { exact: true }).isChecked()).toBe(true);
    await adminPage.getByLabel('Capacity of Alex Helper').fill('3');
    await adminPage.getByLabel('Capacity of Alex Helper').press('Enter');
    await expect.poll(() => adminPage.getByLabel('Capacity of Alex Helper').inputValue()).toBe('3');
    await screenshot(adminPage, 'admin-teams');
    await adminPage.goto(`${t.url}/staff/admin/topics`);
    await adminPage.getByLabel('Team for Billing and payments').selectOption({ label: 'Billing' });
    await expect
      .poll(async () => (await t.ctx.services.topics.list()).find((x) => x.label === 'Billing and payments')?.teamId)
      .toBeTruthy();

    // Alex's desk is open.
    const deskCtx = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const desk = await deskCtx.newPage();
    const deskErrors = watchPageErrors(desk);
    await signIn(desk, agentAccount.username);
    await expect.poll(() => desk.getByText('Online: you get new chats').count()).toBe(1);

    // A general question waits: the tab title and favicon say so.
    const waiterCtx = await browser.newContext();
    const waiter = await waiterCtx.newPage();
    await startChat(waiter, 'Wendy Waiting', 'A general question about opening hours.');
    await expect.poll(() => desk.title()).toMatch(/^1 waiting · Desk/);
    await expect.poll(() => desk.locator('link[rel="icon"]').getAttribute('data-waiting')).toBe('1');

    // A billing question: assigned to Alex at once, its tab opens by itself.
    const visitorCtx = await browser.newContext({ viewport: { width: 1024, height: 800 } });
    const visitor = await visitorCtx.newPage();
    const visitorErrors = watchPageErrors(visitor);
    const conversationId = await startChat(
      visitor,
      'Vera Visitor',
      'I was charged twice for my subscription this month.',
      'Billing and payments',
    );
    await expect.poll(() => desk.getByText('Alex Helper was assigned to the chat').count()).toBe(1);
    await expect.poll(() => visitor.getByText('Alex Helper was assigned to the chat').count()).toBe(1);

    // The contact panel: who, where from, which browser; no IP.
    const panel = desk.getByRole('complementary', { name: 'Contact: Vera Visitor' });
    await expect.poll(() => panel.getByText('Visitor', { exact: true }).count()).toBe(1);
    await expect.poll(() => panel.getByText(`${t.url}/`).count()).toBe(1);
    expect(await panel.getByText(/Chrome \d+ on Linux/).count()).toBe(1);
    expect(await panel.getByText('Billing', { exact: true }).count()).toBe(1);
    await panel.getByLabel('New note about this contact').fill('Double charge: refund requested in March too.');
    await panel.getByRole('button', { name: 'Save note' }).click();
    await expect.poll(() => panel.getByText('Double charge: refund requested in March too.').count()).toBe(1);

    // The contact's conversations open read-only.
    await panel.getByRole('button', { name: /^Open read-only: .*this one/ }).click();
    const transcript = desk.getByRole('dialog');
    await expect.poll(() => transcript.getByText(/^Read-only/).count()).toBe(1);
    await expect
      .poll(() => transcript.getByText('I was charged twice for my subscription this month.').count())
      .toBe(1);
    expect(await transcript.getByLabel('Reply', { exact: true }).count()).toBe(0);
    await screenshot(desk, 'desk-contact-transcript');
    await transcript.getByRole('button', { name: 'Close' }).click();

    // The typing line says who.
    await visitor.getByLabel('Message').pressSequentially('Any news?');
    await expect.poll(() => desk.getByText('Vera Visitor is typing…').count()).toBe(1);
    await screenshot(desk, 'desk-routing-contact');

    // A reload keeps the tab and its name.
    await desk.reload();
    await expect
      .poll(() => desk.getByRole('navigation', { name: 'Open conversations' }).getByText('Vera Visitor').count())
      .toBe(1);

    // Hand it to Blake: a system line on both sides.
    await desk.getByRole('button', { name: 'Transfer' }).click();
    const dialog = desk.getByRole('dialog');
    await expect.poll(() => dialog.locator('option', { hasText: 'Blake Backup' }).count()).toBe(1);
    await dialog.getByLabel('Agent', { exact: true }).selectOption(second.user.id);
    await dialog.getByRole('button', { name: 'Transfer' }).click();
    await expect.poll(() => visitor.getByText('Alex Helper transferred the chat to Blake Backup').count()).toBe(1);
    await expect.poll(() => desk.getByText('Alex Helper transferred the chat to Blake Backup').count()).toBe(1);

    // Blake closes it: it leaves Alex's tab bar, with a word about it.
    const blake = await staffClient(t, second);
    await blake.post(`/api/staff/conversations/${conversationId}/close`);
    await expect
      .poll(() => desk.getByText(/Closed by Blake Backup: the conversation with Vera Visitor left the tab bar/).count())
      .toBe(1);
    expect(await desk.getByRole('navigation', { name: 'Open conversations' }).count()).toBe(0);

    await screenshot(desk, 'desk-after-close');
    expect(deskErrors).toEqual([]);
    expect(visitorErrors).toEqual([]);
    expect(adminErrors).toEqual([]);
  });
});
