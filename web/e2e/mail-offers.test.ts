import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, screenshot } from '../../test/harness/browser.js';
import { createStaff, staffClient } from '../../test/harness/factories.js';
import { startTestSmtp, type TestSmtp } from '../../test/harness/smtp.js';
import { connected, socketClient } from '../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

/**
 * What depends on e-mail is offered only when the server can send it (public settings `mailConfigured`; the
 * session's `passwordResetByEmail`): the transcript by e-mail, password reset links, the start form's optional
 * address (which promises a reply by mail).
 */
describe.skipIf(!chromiumAvailable())('e-mail features are offered only with SMTP', () => {
  let browser: Browser;
  let smtp: TestSmtp;
  beforeAll(async () => {
    browser = await launchBrowser();
    smtp = await startTestSmtp();
  });
  afterAll(async () => {
    await browser?.close();
    await smtp?.close();
  });

  for (const withMail of [false, true]) {
    it(withMail ? 'with SMTP: offered' : 'without SMTP: not offered', async () => {
      const t: TestApp = await startTestApp('sqlite', { env: withMail ? { SMTP_URL: smtp.url } : {} });
      try {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();

        await page.goto(`${t.url}/signin`);
        await expect.poll(() => page.getByRole('link', { name: 'Create an account' }).count()).toBe(1);
        await expect
          .poll(() => page.getByRole('link', { name: 'Forgot your password?' }).count())
          .toBe(withMail ? 1 : 0);
        await page.goto(`${t.url}/staff/signin`);
        await expect.poll(() => page.getByText(/Forgot your password\?/).count()).toBe(1);
        expect(await page.getByRole('link', { name: 'Forgot your password?' }).count()).toBe(withMail ? 1 : 0);
        expect(await page.getByText('An administrator can set a new one for you.', { exact: false }).count()).toBe(
          withMail ? 0 : 1,
        );

        await page.goto(t.url);
        await expect.poll(() => page.getByLabel('Your name').count()).toBe(1);
        expect(await page.getByLabel('Your e-mail address (optional)').count()).toBe(withMail ? 1 : 0);
        await page.getByLabel('Your name').fill('Mia Mail');
        await page.getByLabel('Your question').fill('Will I get a copy of this by e-mail?');
        await page.getByRole('button', { name: 'Start conversation' }).click();
        await page.waitForURL(/\/c\//);
        const conversationId = page.url().split('/c/')[1]!;

        const agent = await staffClient(t, await createStaff(t, 'agent'));
        const socket = socketClient(t.url, '/staff', { cookie: agent.cookieHeader() });
        await connected(socket);
        await socket.emitWithAck('conversation:join', { conversationId });
        await socket.emitWithAck('conversation:close', { conversationId });
        socket.close();
        await expect.poll(() => page.getByRole('link', { name: 'Start a new conversation' }).count()).toBe(1);
        expect(await page.getByRole('button', { name: 'E-mail me the transcript' }).count()).toBe(withMail ? 1 : 0);
        await screenshot(page, `conversation-closed-${withMail ? 'with' : 'without'}-mail`);
        await context.close();
      } finally {
        await t.stop();
      }
    });
  }
});
