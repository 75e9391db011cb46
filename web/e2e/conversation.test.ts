import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, screenshot, watchPageErrors } from '../../test/harness/browser.js';
import { createStaff, staffClient } from '../../test/harness/factories.js';
import type { HttpClient } from '../../test/harness/http-client.js';
import { connected, socketClient } from '../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

describe.skipIf(!chromiumAvailable())('visitor conversation in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let agent: HttpClient;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { AGENT_TITLE: 'Course Assistant' } });
    browser = await launchBrowser();
    agent = await staffClient(t, await createStaff(t, 'agent', { firstName: 'Alex', lastName: 'Helper' }));
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  const bubble = (page: Page, text: string) => page.locator('.sc-bubble', { hasText: text });

  it('a visitor starts a conversation and exchanges live messages with an agent on a socket', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchPageErrors(page);
    await page.goto(t.url);
    await page.getByLabel('Your name').fill('Sys');
    await page.getByLabel('Your question').fill('Hi');
    await page.getByRole('button', { name: 'Start conversation' }).click();
    await expect.poll(() => page.locator('.invalid-feedback').count()).toBeGreaterThan(0);
    await screenshot(page, 'conversation-start-errors');

    await page.getByLabel('Your name').fill('Vera Visitor');
    await page.getByRole('button', { name: 'Technical problem' }).click();
    await page.getByLabel('Your question').fill('My upload to the course page fails with an error.');
    await page.getByRole('button', { name: 'Start conversation' }).click();
    await page.waitForURL(/\/c\/[0-9a-f-]+$/);
    const conversationId = page.url().split('/c/')[1]!;
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Waiting for an agent' }).count()).toBe(1);

    // The agent joins and writes through the socket API.
    const agentSocket = socketClient(t.url, '/staff', { cookie: agent.cookieHeader() });
    await connected(agentSocket);
    expect((await agentSocket.emitWithAck('conversation:join', { conversationId })).ok).toBe(true);
    await expect.poll(() => page.getByText('Alex Helper joined the chat').count()).toBe(1);
    await expect.poll(() => page.locator('.sc-chat-state').textContent()).toBe('Agent joined');
    const received: string[] = [];
    agentSocket.on('message:new', ({ message }) => received.push(message.text));
    await agentSocket.emitWithAck('message:send', {
      conversationId,
      clientMsgId: randomUUID(),
      text: 'Hi Vera! Which file type? See https://help.example/upload',
    });
    await expect.poll(() => bubble(page, 'Which file type?').count()).toBe(1);
    expect(await page.getByRole('link', { name: 'https://help.example/upload' }).getAttribute('rel')).toContain(
      'noopener',
    );
    expect(await page.getByText('Alex Helper (Course Assistant)').count()).toBeGreaterThan(0);

    const box = page.getByLabel('Message');
    await box.fill('It is a PDF, about 2 MB.');
    await box.press('Control+Enter');
    await expect.poll(() => received).toContain('It is a PDF, about 2 MB.');
    await expect.poll(() => bubble(page, 'It is a PDF').count()).toBe(1);

    // A draft survives a reload, and the transcript comes back from the server.
    await box.fill('half-typed thought');
    await page.reload();
    await expect.poll(() => bubble(page, 'Which file type?').count()).toBe(1);
    expect(await page.getByLabel('Message').inputValue()).toBe('half-typed thought');
    await screenshot(page, 'conversation-live');

    // The agent closes: the visitor sees it at once and can start again.
    await agentSocket.emitWithAck('conversation:close', { conversationId });
    await expect.poll(() => page.getByText('This conversation was closed by Alex Helper.').count()).toBe(1);
    await screenshot(page, 'conversation-closed');
    await page.getByRole('link', { name: 'Start a new conversation' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Start conversation' }).count()).toBe(1);
    agentSocket.close();
    expect(errors.filter((e) => !/\b(400|409)\b/.test(e))).toEqual([]);
  });

  it('a message typed while offline is delivered once after reconnecting', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(t.url);
    await page.getByLabel('Your name').fill('Olive Offline');
    await page.getByLabel('Your question').fill('Testing a flaky connection today.');
    await page.getByRole('button', { name: 'Start conversation' }).click();
    await page.waitForURL(/\/c\//);
    const conversationId = page.url().split('/c/')[1]!;
    await expect.poll(() => page.getByText('Waiting for an agent').count()).toBe(1);
    // The network goes away: no new connections, and the server drops the open socket.
    await context.setOffline(true);
    t.app.realtime.io.of('/visitor').disconnectSockets(true);
    await expect.poll(() => page.locator('.sc-chat-state').textContent()).toBe('Offline');
    await page.getByLabel('Message').fill('sent while offline');
    await page.getByLabel('Message').press('Control+Enter');
    await expect.poll(() => page.getByText('not sent yet: waiting for the connection').count()).toBe(1);
    await context.setOffline(false);
    await expect
      .poll(
        async () => {
          const r = await agent.get(`/api/staff/conversations/${conversationId}/messages`);
          return r.body.messages.filter((m: { text: string }) => m.text === 'sent while offline').length;
        },
        { timeout: 20_000 },
      )
      .toBe(1);
  });
});
