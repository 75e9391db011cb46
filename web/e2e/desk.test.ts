import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, screenshot, watchPageErrors } from '../../test/harness/browser.js';
import { createStaff, PASSWORD, staffClient } from '../../test/harness/factories.js';
import { connected, socketClient } from '../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

describe.skipIf(!chromiumAvailable())('agent desk in Chromium (two browser contexts)', () => {
  let t: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { AGENT_TITLE: 'Course Assistant' } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  const bubble = (page: Page, text: string) => page.locator('.sc-bubble', { hasText: text });

  it('queue, join, live messages both ways, a second agent, an invisible note, a canned reply, and a close', async () => {
    const agentAccount = await createStaff(t, 'agent', { firstName: 'Alex', lastName: 'Helper' });
    const agentCtx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const desk = await agentCtx.newPage();
    const deskErrors = watchPageErrors(desk);
    await desk.goto(`${t.url}/staff/signin`);
    await desk.getByLabel('E-mail or username').fill(agentAccount.username);
    await desk.getByLabel('Password').fill(PASSWORD);
    await desk.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => desk.getByRole('heading', { name: 'Queue' }).count()).toBe(1);
    await expect.poll(() => desk.getByText('Nobody is waiting.').count()).toBe(1);
    const chimesBefore = Number((await desk.locator('html').getAttribute('data-chimes')) ?? 0);

    // The visitor starts a conversation in another browser context.
    const visitorCtx = await browser.newContext({ viewport: { width: 1024, height: 800 } });
    const visitor = await visitorCtx.newPage();
    const visitorErrors = watchPageErrors(visitor);
    await visitor.goto(t.url);
    await visitor.getByLabel('Your name').fill('Vera Visitor');
    await visitor.getByLabel('Your question').fill('I cannot submit my assignment before the deadline!');
    await visitor.getByRole('button', { name: 'Start conversation' }).click();
    await visitor.waitForURL(/\/c\//);
    const conversationId = visitor.url().split('/c/')[1]!;

    // It appears in the queue without a reload, and the new-conversation alert fires.
    await expect.poll(() => desk.locator('.sc-queue').getByText('Vera Visitor').count()).toBe(1);
    await expect.poll(() => desk.getByText('I cannot submit my assignment before the deadline!').count()).toBe(1);
    await expect.poll(() => desk.locator('html').getAttribute('data-last-chime')).toBe('conversation');
    expect(Number(await desk.locator('html').getAttribute('data-chimes'))).toBeGreaterThan(chimesBefore);
    await screenshot(desk, 'desk-queue');

    await desk.getByRole('button', { name: 'Join Vera Visitor' }).click();
    await expect.poll(() => desk.getByText('Alex Helper joined the chat').count()).toBe(1);
    await expect.poll(() => visitor.getByText('Alex Helper joined the chat').count()).toBe(1);

    // Agent → visitor, live.
    const reply = desk.getByLabel('Reply', { exact: true });
    await reply.fill('Hi Vera, which course is it?');
    await reply.press('Control+Enter');
    await expect.poll(() => bubble(visitor, 'which course is it?').count()).toBe(1);
    expect(await visitor.getByText('Alex Helper (Course Assistant)').count()).toBeGreaterThan(0);

    // The server drops the desk's socket (as the flood guard does): the desk reconnects by itself.
    const staffSockets = t.app.realtime.io.of('/staff').sockets;
    const dropped = new Set(staffSockets.keys());
    for (const s of staffSockets.values()) s.disconnect();
    await expect.poll(() => [...staffSockets.keys()].some((id) => !dropped.has(id))).toBe(true);

    // Visitor → agent, live.
    await visitor.getByLabel('Message').fill('CSCI 1100, the final project.');
    await visitor.getByLabel('Message').press('Control+Enter');
    await expect.poll(() => bubble(desk, 'CSCI 1100').count()).toBe(1);

    // A second agent joins (through the API): both sides see it.
    const second = await createStaff(t, 'agent', { firstName: 'Sam', lastName: 'Second' });
    const secondHttp = await staffClient(t, second);
    await secondHttp.post(`/api/staff/conversations/${conversationId}/join`);
    await expect.poll(() => desk.getByText('Sam Second joined the chat').count()).toBe(1);
    await expect.poll(() => visitor.getByText('Sam Second joined the chat').count()).toBe(1);

    // A private note: visible on the desk, marked, never reaching the visitor.
    await desk.getByRole('button', { name: 'Private note' }).click();
    await desk
      .getByLabel('Private note', { exact: true })
      .fill('Deadline extensions need the instructor, check policy');
    await desk.getByRole('button', { name: 'Add note' }).click();
    await expect.poll(() => desk.locator('.sc-msg-note', { hasText: 'check policy' }).count()).toBe(1);
    await desk.getByRole('button', { name: 'Reply', exact: true }).click();

    // A canned reply by /shortcut, with the visitor's name filled in.
    await reply.fill('/hi');
    await reply.press('Space');
    expect(await reply.inputValue()).toBe(
      'Hi Vera Visitor, I’m Alex Helper (Course Assistant). How can I help you today?',
    );
    await reply.press('Control+Enter');
    await expect.poll(() => bubble(visitor, 'Hi Vera Visitor, I’m Alex Helper').count()).toBe(1);
    expect(await visitor.getByText('check policy').count()).toBe(0);
    await screenshot(desk, 'desk-conversation');
    await screenshot(visitor, 'desk-visitor-view');

    // The second agent writes: the desk tab shows it live; closing is confirmed and the visitor sees it at once.
    const s = socketClient(t.url, '/staff', { cookie: secondHttp.cookieHeader() });
    await connected(s);
    await s.emitWithAck('message:send', {
      conversationId,
      clientMsgId: randomUUID(),
      text: 'I can help with the extension form.',
    });
    await expect.poll(() => bubble(visitor, 'extension form').count()).toBe(1);
    await expect.poll(() => bubble(desk, 'extension form').count()).toBe(1);
    s.close();

    await desk.getByRole('button', { name: 'Close', exact: true }).click();
    await desk.getByRole('dialog').getByRole('button', { name: 'Close conversation' }).click();
    await expect.poll(() => visitor.getByText('This conversation was closed by Alex Helper.').count()).toBe(1);
    await expect.poll(() => desk.getByText(/Closed by Alex Helper/).count()).toBe(1);
    await screenshot(visitor, 'desk-visitor-closed');
    expect(deskErrors).toEqual([]);
    expect(visitorErrors).toEqual([]);
  });

  it('a second agent sees "closed by" at once when another agent closes', async () => {
    const a = await createStaff(t, 'agent', { firstName: 'Ann', lastName: 'One' });
    const b = await createStaff(t, 'agent', { firstName: 'Ben', lastName: 'Two' });
    const visitorCtx = await browser.newContext();
    const visitor = await visitorCtx.newPage();
    await visitor.goto(t.url);
    await visitor.getByLabel('Your name').fill('Quinn');
    await visitor.getByLabel('Your question').fill('Question about enrolment dates.');
    await visitor.getByRole('button', { name: 'Start conversation' }).click();
    await visitor.waitForURL(/\/c\//);
    const conversationId = visitor.url().split('/c/')[1]!;
    const aHttp = await staffClient(t, a);
    await aHttp.post(`/api/staff/conversations/${conversationId}/join`);

    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const deskB = await ctx.newPage();
    await deskB.goto(`${t.url}/staff/signin`);
    await deskB.getByLabel('E-mail or username').fill(b.username);
    await deskB.getByLabel('Password').fill(PASSWORD);
    await deskB.getByRole('button', { name: 'Sign in' }).click();
    await deskB.getByRole('button', { name: 'All active' }).click();
    await deskB.getByRole('button', { name: /Quinn/ }).click();
    await deskB.getByRole('button', { name: 'Join' }).click();
    await expect.poll(() => deskB.getByText('Ben Two joined the chat').count()).toBe(1);
    await aHttp.post(`/api/staff/conversations/${conversationId}/close`);
    await expect.poll(() => deskB.getByText(/Closed by Ann One/).count()).toBe(1);
    expect(await deskB.getByLabel('Reply', { exact: true }).count()).toBe(0);
  });
});
