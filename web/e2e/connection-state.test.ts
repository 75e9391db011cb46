import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, screenshot } from '../../test/harness/browser.js';
import { createStaff, staffClient } from '../../test/harness/factories.js';
import type { HttpClient } from '../../test/harness/http-client.js';
import { startTcpProxy, type TcpProxy } from '../../test/harness/private-services.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

/**
 * The visitor's status says what is true while the server cannot be reached: the browser talks to the server
 * through a TCP proxy the test cuts (every connection dropped, new ones refused), as a crashed server looks.
 */
describe.skipIf(!chromiumAvailable())('the visitor sees the truth about the connection', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  let browser: Browser;
  let agent: HttpClient;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
    proxy = await startTcpProxy(Number(new URL(t.url).port));
    browser = await launchBrowser();
    agent = await staffClient(t, await createStaff(t, 'agent', { firstName: 'Alex', lastName: 'Helper' }));
  });
  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await t?.stop();
  });

  for (const width of [375, 1440]) {
    it(`server down at ${width}px: never "connected", offline, messages pending, then back and sent once`, async () => {
      const url = `http://127.0.0.1:${proxy.port}`;
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      const page = await context.newPage();
      await page.goto(url);
      await page.getByLabel('Your name').fill('Dana Down');
      await page.getByLabel('Your question').fill('What happens when your server goes away?');
      await page.getByRole('button', { name: 'Start conversation' }).click();
      await page.waitForURL(/\/c\//);
      const conversationId = page.url().split('/c/')[1]!;
      await agent.post(`/api/staff/conversations/${conversationId}/join`);
      const state = page.locator('.sc-chat-state');
      await expect.poll(() => state.textContent()).toBe('Agent joined');

      proxy.cut();
      // Reconnecting at first, offline once an attempt has failed; never a reassuring word meanwhile.
      await expect.poll(() => state.textContent(), { timeout: 15_000 }).toBe('Offline');
      expect(await page.getByText('Connected').count()).toBe(0);
      expect(await page.getByRole('alert').filter({ hasText: 'You are offline' }).count()).toBe(1);

      // What the visitor writes meanwhile is shown as not sent yet.
      const box = page.getByLabel('Message');
      await box.fill('Written while you were down.');
      await box.press('Control+Enter');
      const pending = page.locator('[data-pending="true"]', { hasText: 'Written while you were down.' });
      await expect.poll(() => pending.count()).toBe(1);
      expect(await pending.textContent()).toContain('not sent yet: waiting for the connection');
      await screenshot(page, `connection-offline-${width}`);

      proxy.restore();
      // Back: said so, the message is sent (once) and no longer pending.
      await expect.poll(() => state.textContent(), { timeout: 15_000 }).toContain('Back online');
      await expect.poll(() => pending.count()).toBe(0);
      await expect.poll(() => page.locator('.sc-bubble', { hasText: 'Written while you were down.' }).count()).toBe(1);
      await screenshot(page, `connection-back-${width}`);
      const history = await agent.get(`/api/staff/conversations/${conversationId}/messages`);
      expect(
        history.body.messages.filter((m: { text: string }) => m.text === 'Written while you were down.'),
      ).toHaveLength(1);
      expect(await page.getByRole('alert').filter({ hasText: 'You are offline' }).count()).toBe(0);
      await context.close();
    });
  }
});
