import { randomUUID } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../../test/harness/a11y.js';
import { chromiumAvailable, launchBrowser, screenshot } from '../../test/harness/browser.js';
import {
  createStaff,
  PASSWORD,
  registerCustomer,
  staffClient,
  visitorWithConversation,
  type StaffAccount,
} from '../../test/harness/factories.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

const WIDTHS = [375, 1440] as const;

describe.skipIf(!chromiumAvailable())(
  'every screen: axe-core (no serious or critical violations) at 375 px and 1440 px',
  () => {
    let t: TestApp;
    let browser: Browser;
    let conversationId: string;
    let customer: { username: string; id: string };
    let visitorId: string;
    let admin: StaffAccount;
    let adminHttp: Awaited<ReturnType<typeof staffClient>>;
    beforeAll(async () => {
      t = await startTestApp('sqlite', { env: { AGENT_TITLE: 'Course Assistant' } });
      browser = await launchBrowser();
      admin = await createStaff(t, 'admin', { firstName: 'Ada', lastName: 'Lovelace' });
      const agentAccount = await createStaff(t, 'agent', { firstName: 'Alex', lastName: 'Helper' });
      const agent = await staffClient(t, agentAccount);
      // Routing and contacts: a team (Admin → Teams) and a note in the desk's contact panel.
      adminHttp = await staffClient(t, admin);
      const team = await adminHttp.post('/api/admin/teams', { name: 'Billing', mode: 'auto' });
      await adminHttp.put(`/api/admin/teams/${team.body.id}/members`, { userIds: [agentAccount.user.id] });
      const v = await visitorWithConversation(t, 'My upload fails with an error about file size.');
      conversationId = v.conversationId;
      visitorId = v.visitorId;
      await agent.post(`/api/staff/conversations/${conversationId}/join`);
      await agent.post(`/api/staff/conversations/${conversationId}/messages`, {
        clientMsgId: randomUUID(),
        text: 'Hello! Which file?',
      });
      await agent.post(`/api/staff/conversations/${conversationId}/messages`, {
        clientMsgId: randomUUID(),
        text: 'checking policy',
        note: true,
      });
      const contact = (await agent.get(`/api/staff/conversations/${conversationId}/contact`)).body.contact.key;
      await agent.post(`/api/staff/contacts/${encodeURIComponent(contact)}/notes`, { text: 'Prefers e-mail.' });
      customer = await registerCustomer(t, t.client(), { displayName: 'Casey Customer' });
      // The desk's tools: a label on the conversation, and a rating form for an ended one (below).
      const label = await adminHttp.post('/api/admin/labels', { name: 'Uploads', color: 'purple' });
      await adminHttp.post(`/api/staff/conversations/${conversationId}/labels`, { labelId: label.body.id });
    });
    afterAll(async () => {
      await browser?.close();
      await t?.stop();
    });

    async function check(page: Page, name: string, width: number): Promise<void> {
      await page.waitForLoadState('networkidle');
      const violations = await seriousA11yViolations(page);
      expect(violations, `${name} at ${width}px`).toEqual([]);
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      expect(overflow, `${name} scrolls sideways at ${width}px`).toBeLessThanOrEqual(1);
      await screenshot(page, `a11y-${name}-${width}`);
    }

    for (const width of WIDTHS) {
      it(`public screens at ${width}px`, async () => {
        const context = await browser.newContext({ viewport: { width, height: 900 }, reducedMotion: 'reduce' });
        const page = await context.newPage();
        for (const [name, path] of [
          ['landing', '/'],
          ['signin', '/signin'],
          ['register', '/register'],
          ['forgot-password', '/forgot-password'],
          ['reset-password', '/reset-password'],
          ['not-found', '/no/such/page'],
        ] as const) {
          await page.goto(`${t.url}${path}`);
          await check(page, name, width);
          // axe's "page-has-heading-one" is a best practice, outside the WCAG tags above: checked here.
          expect(await page.locator('h1').count(), `${name} has an h1`).toBe(1);
        }
        // A customer's own screens.
        await page.goto(`${t.url}/signin`);
        await page.getByLabel('E-mail or username').fill(customer.username);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL(`${t.url}/`);
        await page.goto(`${t.url}/account`);
        await expect.poll(() => page.getByRole('heading', { name: 'Your account' }).count()).toBe(1);
        await check(page, 'account', width);
        await page.goto(`${t.url}/conversations`);
        await check(page, 'history', width);
        await context.close();
      });

      it(`the visitor conversation at ${width}px`, async () => {
        const context = await browser.newContext({ viewport: { width, height: 900 }, reducedMotion: 'reduce' });
        const page = await context.newPage();
        await page.goto(t.url);
        await page.getByLabel('Your name').fill('Robin Visitor');
        await page.getByLabel('Your question').fill('Accessibility check of the conversation screen.');
        await page.getByRole('button', { name: 'Start conversation' }).click();
        await page.waitForURL(/\/c\//);
        await expect.poll(() => page.getByText('Waiting for an agent').count()).toBe(1);
        await check(page, 'conversation', width);
        // Ended: the rating form (stars as a radio group, an optional comment).
        const id = page.url().split('/c/')[1]!;
        await adminHttp.post(`/api/staff/conversations/${id}/close`);
        await expect.poll(() => page.getByText('How was your conversation?').count()).toBe(1);
        await check(page, 'conversation-rating', width);
        await page.locator('.sc-csat-star').nth(3).click();
        await page.getByRole('button', { name: 'Send my rating' }).click();
        await expect.poll(() => page.getByText('You rated this conversation 4 out of 5').count()).toBe(1);
        await check(page, 'conversation-rated', width);
        await context.close();
      });

      it(`staff screens at ${width}px`, async () => {
        const context = await browser.newContext({ viewport: { width, height: 900 }, reducedMotion: 'reduce' });
        const page = await context.newPage();
        await page.goto(`${t.url}/staff/signin`);
        await check(page, 'staff-signin', width);
        await page.getByLabel('E-mail or username').fill(admin.username);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await expect.poll(() => page.getByRole('heading', { name: 'Queue' }).count()).toBe(1);
        await check(page, 'desk', width);
        await page.getByRole('button', { name: 'All active' }).click();
        await page.getByRole('button', { name: /Vera Visitor/ }).click();
        await expect.poll(() => page.locator('.sc-msg-note').count()).toBe(1);
        await expect.poll(() => page.getByText('Prefers e-mail.').count()).toBe(1);
        await check(page, 'desk-conversation', width);
        await page.getByRole('button', { name: 'Transfer' }).click();
        await check(page, 'desk-transfer', width);
        await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
        // Search from the desk, with a result showing its label and the matching words.
        await page.getByLabel('Words in messages or notes').fill('file size');
        await page.getByRole('button', { name: 'Search', exact: true }).click();
        await expect.poll(() => page.locator('.sc-search-results mark').count()).toBeGreaterThan(0);
        await page.locator('.sc-search-results').scrollIntoViewIfNeeded();
        await check(page, 'desk-search', width);
        for (const [name, path] of [
          ['admin-overview', '/staff/admin/overview'],
          ['admin-users', '/staff/admin/users'],
          ['admin-canned', '/staff/admin/canned'],
          ['admin-topics', '/staff/admin/topics'],
          ['admin-teams', '/staff/admin/teams'],
          ['admin-labels', '/staff/admin/labels'],
          ['admin-reports', '/staff/admin/reports'],
          ['admin-logs', '/staff/admin/logs'],
          ['admin-audit', '/staff/admin/audit'],
          ['admin-settings', '/staff/admin/settings'],
          ['admin-widget', '/staff/admin/widget'],
          ['admin-api-tokens', '/staff/admin/api-tokens'],
          ['admin-webhooks', '/staff/admin/webhooks'],
          ['staff-account', '/staff/account'],
          ['admin-contact-customer', `/staff/admin/contacts/customer/${customer.id}`],
          ['admin-contact-visitor', `/staff/admin/contacts/visitor/${visitorId}`],
        ] as const) {
          await page.goto(`${t.url}${path}`);
          await page.waitForLoadState('networkidle');
          if (name === 'admin-logs') await page.getByRole('button', { name: 'Show logs' }).click();
          if (name === 'admin-reports')
            await expect.poll(() => page.getByRole('heading', { name: 'Busiest hours' }).count()).toBe(1);
          await check(page, name, width);
        }
        await context.close();
      });
    }

    for (const width of WIDTHS) {
      it(`two-factor, session and personal-data screens at ${width}px`, async () => {
        const context = await browser.newContext({ viewport: { width, height: 900 }, reducedMotion: 'reduce' });
        const page = await context.newPage();
        const agent = await createStaff(t, 'agent', { firstName: 'Tariq' });
        const signIn = async () => {
          await page.goto(`${t.url}/staff/signin`);
          await page.getByLabel('E-mail or username').fill(agent.username);
          await page.getByLabel('Password').fill(PASSWORD);
          await page.getByRole('button', { name: 'Sign in' }).click();
        };
        await signIn();
        await expect.poll(() => page.getByRole('heading', { name: 'Queue' }).count()).toBe(1);
        await page.goto(`${t.url}/staff/account`);
        await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
        const key = page.getByLabel('Set-up key');
        await expect.poll(() => key.count()).toBe(1);
        await check(page, 'staff-two-factor-setup', width);
        const secret = (await key.textContent())!.replace(/\s/g, '');
        const code = new TOTP({ secret: Secret.fromBase32(secret) }).generate();
        await page.getByLabel('Code from the app').fill(code);
        await page.getByRole('button', { name: 'Turn on' }).click();
        await expect.poll(() => page.getByRole('list', { name: 'Recovery codes' }).count()).toBe(1);
        await check(page, 'staff-recovery-codes', width);
        await page.getByRole('button', { name: 'I have saved them' }).click();
        await page.getByRole('button', { name: 'Turn off' }).click();
        await check(page, 'staff-two-factor-off-dialog', width);
        await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
        // Signed out (the menu folds away at 375 px): a fresh sign-in asks for the code.
        await context.clearCookies();
        await signIn();
        await expect.poll(() => page.getByLabel('Code', { exact: true }).count()).toBe(1);
        await check(page, 'staff-signin-code', width);

        const adminPage = await context.newPage();
        await adminPage.goto(`${t.url}/staff/signin`);
        await adminPage.getByLabel('E-mail or username').fill(admin.username);
        await adminPage.getByLabel('Password').fill(PASSWORD);
        await adminPage.getByRole('button', { name: 'Sign in' }).click();
        await expect.poll(() => adminPage.getByRole('heading', { name: 'Queue' }).count()).toBe(1);
        await adminPage.goto(`${t.url}/staff/admin/contacts/customer/${customer.id}`);
        await adminPage.getByRole('button', { name: 'Erase all data' }).click();
        await check(adminPage, 'admin-contact-erase-dialog', width);

        const customerPage = await (
          await browser.newContext({ viewport: { width, height: 900 }, reducedMotion: 'reduce' })
        ).newPage();
        await customerPage.goto(`${t.url}/signin`);
        await customerPage.getByLabel('E-mail or username').fill(customer.username);
        await customerPage.getByLabel('Password').fill(PASSWORD);
        await customerPage.getByRole('button', { name: 'Sign in' }).click();
        await customerPage.waitForURL(`${t.url}/`);
        await customerPage.goto(`${t.url}/account`);
        await customerPage.getByRole('button', { name: 'Delete my account' }).click();
        await check(customerPage, 'account-delete-dialog', width);
        await customerPage.context().close();
        await context.close();
      });
    }

    it('works with the keyboard alone: a visitor starts and writes; an agent signs in, joins and replies', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
      const visitor = await context.newPage();
      await visitor.goto(t.url);
      // The name field, then Tab to the first topic chip and Space to choose it, then Tab on to the question.
      await visitor.getByLabel('Your name').focus();
      await visitor.keyboard.type('Kim Keyboard');
      for (let i = 0; i < 10 && !(await visitor.evaluate("!!document.activeElement.closest('.sc-topic-chips')")); i++) {
        await visitor.keyboard.press('Tab');
      }
      await visitor.keyboard.press('Space');
      expect(await visitor.locator('.sc-topic-chips [aria-pressed="true"]').count()).toBe(1);
      for (
        let i = 0;
        i < 20 && (await visitor.evaluate('document.activeElement && document.activeElement.id')) !== 'first-message';
        i++
      ) {
        await visitor.keyboard.press('Tab');
      }
      await visitor.keyboard.type('Only my keyboard works right now.');
      await visitor.keyboard.press('Control+Enter');
      await visitor.waitForURL(/\/c\//);
      // The focus ring is visible, then the message is typed and sent by keys.
      // The box is disabled until the socket has connected; a disabled box cannot take focus, so wait for it.
      const box = visitor.getByLabel('Message');
      await expect.poll(() => box.isEnabled()).toBe(true);
      await box.focus();
      expect(await visitor.evaluate('document.activeElement.id')).toBe(await box.getAttribute('id'));
      const ring = (await visitor.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + '|' + s.boxShadow; })()",
      )) as string;
      expect(ring).not.toBe('none|none');
      await visitor.keyboard.type('Hello from the keyboard');
      await visitor.keyboard.press('Control+Enter');
      await expect.poll(() => visitor.locator('.sc-bubble', { hasText: 'Hello from the keyboard' }).count()).toBe(1);

      const deskContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
      const desk = await deskContext.newPage();
      await desk.goto(`${t.url}/staff/signin`);
      await desk.getByLabel('E-mail or username').focus();
      await desk.keyboard.type(admin.username);
      await desk.keyboard.press('Tab');
      await desk.keyboard.type(PASSWORD);
      await desk.keyboard.press('Enter');
      await expect.poll(() => desk.getByRole('heading', { name: 'Queue' }).count()).toBe(1);
      await desk.getByRole('button', { name: 'Join Kim Keyboard' }).focus();
      await desk.keyboard.press('Enter');
      await expect.poll(() => visitor.getByText('Ada Lovelace joined the chat').count()).toBe(1);
      const reply = desk.getByLabel('Reply', { exact: true });
      await expect.poll(() => reply.isEnabled()).toBe(true);
      await reply.focus();
      await desk.keyboard.type('Keyboard reply');
      await desk.keyboard.press('Control+Enter');
      await expect.poll(() => visitor.locator('.sc-bubble', { hasText: 'Keyboard reply' }).count()).toBe(1);
      await context.close();
      await deskContext.close();
    });
  },
);
