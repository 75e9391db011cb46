import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../../test/harness/a11y.js';
import { chromiumAvailable, launchBrowser, screenshot } from '../../test/harness/browser.js';
import { createStaff, PASSWORD, staffClient, type StaffAccount } from '../../test/harness/factories.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

describe.skipIf(!chromiumAvailable())('Admin → Audit log shows what changed and what it touched', () => {
  let t: TestApp;
  let browser: Browser;
  let admin: StaffAccount;
  let agent: StaffAccount;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
    browser = await launchBrowser();
    admin = await createStaff(t, 'admin', { firstName: 'Ada', lastName: 'Lovelace' });
    agent = await createStaff(t, 'agent', { firstName: 'Alex', lastName: 'Helper' });
    const http = await staffClient(t, admin);
    await http.patch(`/api/admin/users/${agent.user.id}`, { role: 'admin', jobTitle: 'Team lead' });
    await http.patch('/api/admin/settings', { 'branding.serviceName': 'Campus Help' });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  for (const width of [375, 1440]) {
    it(`at ${width}px`, async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${t.url}/staff/signin`);
      await page.getByLabel('E-mail or username').fill(admin.username);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('heading', { name: 'Queue' }).count()).toBe(1);
      await page.goto(`${t.url}/staff/admin/audit`);
      const entry = page.locator('.sc-audit-entry', { hasText: `Changed the account of ${agent.username}` });
      await expect.poll(() => entry.count()).toBe(1);
      expect(await entry.textContent()).toContain(`Account: ${agent.username}`);
      expect(await entry.textContent()).toContain(`By ${admin.username}`);
      await expect
        .poll(() => entry.getByRole('listitem').filter({ hasText: 'Role:' }).textContent())
        .toBe('Role: agent → admin');
      const settings = page.locator('.sc-audit-entry', { hasText: 'Changed settings' });
      expect(await settings.getByRole('listitem').first().textContent()).toBe(
        'Service name: Support Central → Campus Help',
      );
      await page.waitForLoadState('networkidle');
      expect(await seriousA11yViolations(page)).toEqual([]);
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      expect(overflow).toBeLessThanOrEqual(1);
      await screenshot(page, `audit-log-${width}`);
      await context.close();
    });
  }
});
