import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, screenshot, watchPageErrors } from '../../test/harness/browser.js';
import { createStaff, staffClient, visitorWithConversation } from '../../test/harness/factories.js';
import { connected, socketClient } from '../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

describe.skipIf(!chromiumAvailable())('visitor chat details in Chromium', () => {
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

  it('queue position, typing, seen, emoji picker, safe emoticons and a remembered sound toggle', async () => {
    // Someone is already waiting, so this visitor is number 2.
    await visitorWithConversation(t, 'Somebody else was here first, waiting.');
    const context = await browser.newContext({ viewport: { width: 1024, height: 900 } });
    const page = await context.newPage();
    const errors = watchPageErrors(page);
    await page.goto(t.url);
    await page.getByLabel('Your name').fill('Pia Polish');
    await page.getByLabel('Your question').fill('Where do I find the syllabus for my course?');
    await page.getByRole('button', { name: 'Start conversation' }).click();
    await page.waitForURL(/\/c\//);
    const conversationId = page.url().split('/c/')[1]!;
    await expect.poll(() => page.getByText('You are number 2 in the queue.').count()).toBe(1);

    // The emoji picker is its own chunk, loaded on first use; the pick lands in the draft.
    await page.getByRole('button', { name: 'Insert emoji' }).click();
    await page.getByLabel('Search emoji').fill('thumbs up');
    await page.getByRole('button', { name: 'thumbs up' }).click();
    expect(await page.getByLabel('Message').inputValue()).toBe('👍');

    // Emoticons become emoji only as standalone tokens.
    await page.getByLabel('Message').fill('thanks :) see https://x.org/a:/b and C:/dir 10:30');
    await page.getByLabel('Message').press('Control+Enter');
    await expect.poll(() => page.locator('.sc-bubble', { hasText: 'thanks 🙂' }).count()).toBe(1);
    expect(await page.locator('.sc-bubble', { hasText: 'https://x.org/a:/b and C:/dir 10:30' }).count()).toBe(1);

    // An agent joins and types: the visitor sees it; the agent reads: the visitor sees "Seen".
    const agentHttp = await staffClient(t, await createStaff(t, 'agent', { firstName: 'Alex', lastName: 'Helper' }));
    const agent = socketClient(t.url, '/staff', { cookie: agentHttp.cookieHeader() });
    await connected(agent);
    await agent.emitWithAck('conversation:join', { conversationId });
    await agent.emitWithAck('typing', { conversationId, isTyping: true });
    await expect.poll(() => page.getByText('Alex Helper is typing…').count()).toBe(1);
    await screenshot(page, 'visitor-typing');
    const history = await agentHttp.get(`/api/staff/conversations/${conversationId}/messages`);
    await agent.emitWithAck('conversation:read', { conversationId, seq: history.body.conversation.lastSeq });
    await agent.emitWithAck('typing', { conversationId, isTyping: false });
    await expect.poll(() => page.getByText('Seen', { exact: true }).count()).toBe(1);
    await agent.emitWithAck('message:send', {
      conversationId,
      clientMsgId: randomUUID(),
      text: 'The syllabus is on the course page.',
    });
    await expect.poll(() => page.locator('.sc-bubble', { hasText: 'syllabus is on the course page' }).count()).toBe(1);
    // The agent sees what the visitor read.
    await expect
      .poll(async () => (await agentHttp.get(`/api/staff/conversations/${conversationId}`)).body.ownerReadSeq)
      .toBeGreaterThan(2);

    // The sound toggle is remembered across reloads.
    await page.getByRole('button', { name: 'Sound on' }).click();
    await page.reload();
    await expect.poll(() => page.getByRole('button', { name: 'Sound off' }).count()).toBe(1);
    await screenshot(page, 'visitor-polish');
    agent.close();
    expect(errors).toEqual([]);
  });
});
