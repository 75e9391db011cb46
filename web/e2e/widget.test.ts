import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIdentityToken } from '../../src/modules/widget/identity-token.js';
import { seriousA11yViolations } from '../../test/harness/a11y.js';
import { chromiumAvailable, launchBrowser, screenshot, watchPageErrors } from '../../test/harness/browser.js';
import { createStaff, PASSWORD, staffClient, type StaffAccount } from '../../test/harness/factories.js';
import type { HttpClient } from '../../test/harness/http-client.js';
import { connected, socketClient } from '../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';
import type { Socket } from 'socket.io-client';

/**
 * A static "customer website" on another address than the server (127.0.0.2 / 127.0.0.3 vs 127.0.0.1): another
 * origin and another site, as in production. Pages are served as given.
 */
async function hostSite(
  address: string,
  pages: Record<string, string>,
): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const page = pages[(req.url ?? '/').split('?')[0]!];
    if (page === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${address}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,">` +
  // The host's own CSS is hostile to everything it could reach: none of it may reach the launcher or the chat.
  `<style>*{font-size:40px!important;color:lime!important} button{background:red!important;display:none!important}</style>` +
  `</head><body><h1>${title}</h1>${body}</body></html>`;

describe.skipIf(!chromiumAvailable())('the embeddable widget on another origin, in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let agent: HttpClient;
  let admin: HttpClient;
  let adminAccount: StaffAccount;
  let shop: { origin: string; close(): Promise<void> };
  let stranger: { origin: string; close(): Promise<void> };
  let desk: Socket;
  let siteId = '';
  let secret = '';
  const pages: Record<string, string> = {};
  const strangerPages: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { AGENT_TITLE: 'Course Assistant' } });
    browser = await launchBrowser();
    agent = await staffClient(t, await createStaff(t, 'agent', { firstName: 'Alex', lastName: 'Helper' }));
    adminAccount = await createStaff(t, 'admin', { firstName: 'Ada', lastName: 'Lovelace' });
    admin = await staffClient(t, adminAccount);
    // An agent with the desk open: support is online (the offline behaviours have their own test).
    desk = socketClient(t.url, '/staff', { cookie: agent.cookieHeader() });
    await connected(desk);
    shop = await hostSite('127.0.0.2', pages);
    stranger = await hostSite('127.0.0.3', strangerPages);
    const r = await admin.post('/api/admin/widget/sites', { name: 'Shop', origins: [shop.origin] });
    expect(r.status).toBe(201);
    siteId = r.body.site.id;
    secret = r.body.secret;
    const snippet = `<script src="${t.url}/widget.js" data-site="${siteId}" async></script>`;
    pages['/'] = page('Shop', `<p>Welcome to the shop.</p>${snippet}`);
    pages['/hostile'] = page(
      'Hostile shop page',
      `${snippet}<script>
        window.probe = () => {
          const out = {};
          const iframe = document.querySelector('[data-support-central]').shadowRoot.querySelector('iframe');
          out.doc = String(iframe.contentDocument);
          const win = iframe.contentWindow;
          try { out.storage = String(win.localStorage.length); } catch (e) { out.storage = 'blocked'; }
          try { out.body = win.document.body.innerHTML; } catch (e) { out.body = 'blocked'; }
          try { out.cookie = win.document.cookie; } catch (e) { out.cookie = 'blocked'; }
          return out;
        };
      </script>`,
    );
    strangerPages['/'] = page('Stranger', snippet);
    strangerPages['/direct'] = page(
      'Stranger framing the chat',
      `<iframe title="stolen" src="${t.url}/widget/frame?site=${siteId}"></iframe>`,
    );
  });
  afterAll(async () => {
    desk?.close();
    await browser?.close();
    await shop?.close();
    await stranger?.close();
    await t?.stop();
  });

  const chat = async (p: Page): Promise<Frame> => {
    await expect.poll(() => p.frames().some((f) => f.url().includes('/widget/frame'))).toBe(true);
    const frame = p.frames().find((f) => f.url().includes('/widget/frame'))!;
    await frame.waitForSelector('.sc-widget');
    return frame;
  };
  const launcher = (p: Page) => p.locator('[data-support-central] button.launcher');

  async function newVisitor(width = 1280): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width, height: 900 }, reducedMotion: 'reduce' });
    const p = await context.newPage();
    const errors = watchPageErrors(p);
    return { context, page: p, errors };
  }

  it('a visitor on the shop chats with an agent: launcher, start form, live reply, unread badge, resume after reload', async () => {
    // This Chromium denies third-party frames any storage: the loader keeps the frame's session for it.
    const { context, page: p, errors } = await newVisitor();
    await p.goto(shop.origin);
    await expect.poll(() => launcher(p).count()).toBe(1);
    // The host's CSS did not reach the launcher: it keeps the configured colour and is displayed.
    expect(
      await p.evaluate(
        "getComputedStyle(document.querySelector('[data-support-central]').shadowRoot.querySelector('.launcher')).backgroundColor",
      ),
    ).toBe('rgb(13, 110, 253)');
    expect(await launcher(p).isVisible()).toBe(true);
    await screenshot(p, 'widget-launcher');
    // Lazy: no chat frame until the visitor opens it.
    expect(p.frames().some((f) => f.url().includes('/widget/frame'))).toBe(false);

    await launcher(p).click();
    const frame = await chat(p);
    await frame.getByLabel('Your name').fill('Wendy Widget');
    await frame.getByLabel('Your question').fill('Where is my order number 4711, please?');
    await frame.getByRole('button', { name: 'Start chat' }).click();
    await expect.poll(() => frame.getByText('Waiting for an agent').count()).toBeGreaterThan(0);
    await expect.poll(() => frame.getByText('You are next in line.').count()).toBe(1);
    await screenshot(p, 'widget-open');

    const list = await agent.get('/api/staff/queue');
    const conversationId = (list.body.conversations ?? list.body.queue ?? []).find(
      (c: { displayName: string }) => c.displayName === 'Wendy Widget',
    )?.id as string;
    expect(conversationId).toBeTruthy();
    await agent.post(`/api/staff/conversations/${conversationId}/join`);
    await agent.post(`/api/staff/conversations/${conversationId}/messages`, {
      clientMsgId: randomUUID(),
      text: 'Hello Wendy, let me check order 4711.',
    });
    await expect.poll(() => frame.locator('.sc-bubble', { hasText: 'let me check order 4711' }).count()).toBe(1);
    await frame.getByLabel('Message').fill('Thank you!');
    await frame.getByRole('button', { name: 'Send' }).click();
    await expect
      .poll(async () => (await agent.get(`/api/staff/conversations/${conversationId}/messages?after=0`)).text)
      .toContain('Thank you!');

    // Closed launcher: a reply shows as an unread badge, and the host hears about it.
    await p.evaluate("window.heard = []; SupportCentral.on('message', (m) => window.heard.push(m.text))");
    await launcher(p).click();
    await agent.post(`/api/staff/conversations/${conversationId}/messages`, {
      clientMsgId: randomUUID(),
      text: 'It ships tomorrow.',
    });
    const badge = p.locator('[data-support-central] .badge');
    await expect.poll(() => badge.isVisible()).toBe(true);
    expect(await badge.textContent()).toBe('1');
    expect(await launcher(p).getAttribute('aria-label')).toContain('1 unread');
    await expect.poll(() => p.evaluate('window.heard')).toEqual(['It ships tomorrow.']);
    await screenshot(p, 'widget-unread-badge');

    // Reload: the conversation resumes (the frame's own storage kept the session), the badge too.
    await p.reload();
    await expect.poll(() => badge.isVisible()).toBe(true);
    await launcher(p).click();
    const again = await chat(p);
    await expect.poll(() => again.locator('.sc-bubble', { hasText: 'It ships tomorrow.' }).count()).toBe(1);
    await expect.poll(() => badge.isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('after the connection drops (a sleeping laptop), the chat reconnects by itself and shows what it missed', async () => {
    const { context, page: p, errors } = await newVisitor();
    await p.goto(shop.origin);
    await launcher(p).click();
    const frame = await chat(p);
    await frame.getByLabel('Your name').fill('Sleepy Sue');
    await frame.getByLabel('Your question').fill('My laptop keeps going to sleep, sorry!');
    await frame.getByRole('button', { name: 'Start chat' }).click();
    await expect.poll(() => frame.getByText('Waiting for an agent').count()).toBeGreaterThan(0);
    const queue = await agent.get('/api/staff/queue');
    const conversationId = (queue.body.queue as { id: string; displayName: string }[]).find(
      (c) => c.displayName === 'Sleepy Sue',
    )!.id;
    await agent.post(`/api/staff/conversations/${conversationId}/join`);
    // Every widget socket loses its connection at once, as when a laptop sleeps; a reply is written meanwhile.
    for (const socket of t.app.realtime.io.of('/visitor').sockets.values()) socket.conn.close();
    await agent.post(`/api/staff/conversations/${conversationId}/messages`, {
      clientMsgId: randomUUID(),
      text: 'Written while you were away.',
    });
    await expect.poll(() => frame.locator('.sc-bubble', { hasText: 'Written while you were away.' }).count()).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a signed-in shop user is identified by the token the shop signed; a forged one is refused in the console', async () => {
    const { context, page: p, errors } = await newVisitor();
    await p.goto(`${shop.origin}/hostile`);
    await expect.poll(() => launcher(p).count()).toBe(1);
    const forged = signIdentityToken(
      { userId: 'victim', name: 'Victor Victim', exp: Math.floor(Date.now() / 1000) + 600 },
      'wsk_guess',
    );
    await p.evaluate(`SupportCentral.identify(${JSON.stringify(forged)})`);
    await expect.poll(() => errors.some((e) => e.includes('identify() was refused (identity_invalid)'))).toBe(true);

    // The hostile page cannot read the chat: the frame's document and storage belong to another origin.
    await launcher(p).click();
    const frame = await chat(p);
    const probe = (await p.evaluate('window.probe()')) as Record<string, unknown>;
    expect(probe).toEqual({ doc: 'null', storage: 'blocked', body: 'blocked', cookie: 'blocked' });
    expect(await frame.getByText('Signed in as').count()).toBe(0);

    const genuine = signIdentityToken(
      { userId: 'u-100', name: 'Jane Doe', email: 'jane@shop.example', exp: Math.floor(Date.now() / 1000) + 600 },
      secret,
    );
    await p.evaluate(`SupportCentral.identify(${JSON.stringify(genuine)})`);
    await expect.poll(() => frame.getByText('Signed in as').count()).toBe(1);
    expect(await frame.getByLabel('Your name').inputValue()).toBe('Jane Doe');
    expect(await frame.getByLabel(/Your e-mail address/).inputValue()).toBe('jane@shop.example');
    await frame.getByLabel('Your question').fill('Where is my order 1042?');
    await frame.getByRole('button', { name: 'Start chat' }).click();
    await expect.poll(() => frame.getByText('Waiting for an agent').count()).toBeGreaterThan(0);

    // An agent joins from the desk: the contact panel says the shop vouched for Jane.
    const staff = await createStaff(t, 'agent', { firstName: 'Dana', lastName: 'Desk' });
    const deskCtx = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const deskPage = await deskCtx.newPage();
    const deskErrors = watchPageErrors(deskPage);
    await deskPage.goto(`${t.url}/staff/signin`);
    await deskPage.getByLabel('E-mail or username').fill(staff.username);
    await deskPage.getByLabel('Password').fill(PASSWORD);
    await deskPage.getByRole('button', { name: 'Sign in' }).click();
    await deskPage.getByRole('button', { name: 'Join Jane Doe' }).click();
    const panel = deskPage.getByRole('complementary', { name: 'Contact: Jane Doe' });
    await expect.poll(() => panel.getByText('Identity verified by Shop').count()).toBe(1);
    expect(await panel.getByText('Not verified').count()).toBe(0);
    expect(await panel.getByText('jane@shop.example').count()).toBe(1);
    // Where it started: the shop's page the chat was opened on (the loader hands it to the frame).
    expect(await panel.getByText(`${shop.origin}/hostile`).count()).toBe(1);
    await screenshot(deskPage, 'widget-verified-contact-panel');
    expect(deskErrors).toEqual([]);
    await deskCtx.close();

    // reset(): signed out, anonymous again.
    await p.evaluate('SupportCentral.reset()');
    await expect.poll(() => frame.getByText('Signed in as').count()).toBe(0);
    await context.close();
  });

  it('a page the admin did not allow gets no chat, and a console message saying why', async () => {
    const { context, page: p, errors } = await newVisitor();
    await p.goto(stranger.origin);
    await expect
      .poll(() => errors.some((e) => e.includes(`${stranger.origin} is not allowed to embed this chat`)))
      .toBe(true);
    expect(await p.locator('[data-support-central]').count()).toBe(0);
    // Framing the chat directly is refused by the browser (frame-ancestors): nothing of ours renders.
    await p.goto(`${stranger.origin}/direct`);
    await expect.poll(() => errors.some((e) => /frame-ancestors|Refused to (display|frame)/i.test(e))).toBe(true);
    const frame = p.frames().find((f) => f !== p.mainFrame());
    expect(
      await frame
        ?.locator('.sc-widget')
        .count()
        .catch(() => 0),
    ).toBe(0);
    await context.close();
  });

  it('Admin → Widget: add a site, copy its snippet, the secret shown once, appearance with a live preview', async () => {
    const { context, page: p, errors } = await newVisitor(1440);
    await p.goto(`${t.url}/staff/signin`);
    await p.getByLabel('E-mail or username').fill(adminAccount.username);
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => p.getByRole('heading', { name: 'Queue' }).count()).toBe(1);
    await p.goto(`${t.url}/staff/admin/widget`);
    await p.getByRole('heading', { name: 'Add a site' }).waitFor();
    await p.getByLabel('Name', { exact: true }).fill('Blog');
    await p.getByLabel('Origins allowed to embed the chat').fill('https://blog.example/path');
    await p.getByRole('button', { name: 'Add site' }).click();
    await expect.poll(() => p.getByText(/must be an origin/).count()).toBe(1);
    await p.getByLabel('Origins allowed to embed the chat').fill('https://blog.example, https://www.blog.example');
    await p.getByRole('button', { name: 'Add site' }).click();
    const shown = await p.getByTestId('widget-secret').textContent();
    expect(shown).toMatch(/^wsk_/);
    await expect.poll(() => p.getByRole('heading', { name: 'Blog' }).count()).toBe(1);
    const snippet = await p.getByLabel('Snippet').last().inputValue();
    expect(snippet).toMatch(
      new RegExp(`^<script src="${t.url}/widget.js" data-site="[A-Za-z0-9_-]+" async></script>$`),
    );
    // Live preview: the colour typed shows at once, before saving.
    await p.getByLabel('Colour as hex').fill('#ffc107');
    await p.getByLabel('Title').fill('Ask the team');
    expect(await p.locator('.sc-widget-preview-header').textContent()).toBe('Ask the team');
    expect(await p.locator('.sc-widget-preview').getAttribute('style')).toContain('--sc-preview-color: #ffc107');
    expect(await seriousA11yViolations(p)).toEqual([]);
    await screenshot(p, 'widget-admin');
    await p.getByRole('button', { name: 'I have copied it' }).click();
    // After a reload the secret is masked only.
    await p.reload();
    await p.getByRole('heading', { name: 'Blog' }).waitFor();
    expect(await p.content()).not.toContain(shown!);
    // The one failed request is the refused origin above (the browser logs every 4xx).
    expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
    await context.close();
  });

  for (const width of [375, 1440]) {
    it(`inside the frame: axe finds no serious or critical violations at ${width} px`, async () => {
      const { context, page: p } = await newVisitor(width);
      await p.goto(shop.origin);
      await launcher(p).click();
      const frame = await chat(p);
      await frame.getByLabel('Your name').waitFor();
      expect(await seriousA11yViolations(frame), `start form at ${width}px`).toEqual([]);
      await screenshot(p, `widget-start-${width}`);
      await frame.getByLabel('Your name').fill('Axel Access');
      await frame.getByLabel('Your question').fill('Checking the conversation screen for accessibility.');
      await frame.getByRole('button', { name: 'Start chat' }).click();
      await expect.poll(() => frame.getByText('Waiting for an agent').count()).toBeGreaterThan(0);
      expect(await seriousA11yViolations(frame), `conversation at ${width}px`).toEqual([]);
      const overflow = (await frame.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      expect(overflow).toBeLessThanOrEqual(1);
      // Keyboard: Escape closes the chat and gives focus back to the launcher.
      await frame.locator('textarea').first().focus();
      await p.keyboard.press('Escape');
      await expect.poll(() => launcher(p).evaluate((b) => b.matches(':focus'))).toBe(true);
      await screenshot(p, `widget-conversation-${width}`);
      await context.close();
    });
  }

  it('while nobody can answer, the launcher does what the admin chose: when we are back, hidden, or the offline form', async () => {
    // Closed today (an override): the next opening is tomorrow. The desk stays open meanwhile, it does not matter.
    const today = new Date().toISOString().slice(0, 10);
    const closed = await admin.post('/api/admin/schedule/overrides', {
      date: today,
      kind: 'closed',
      reason: 'Inventory',
    });
    expect(closed.status).toBe(201);
    try {
      expect((await admin.patch('/api/admin/settings', { 'widget.offlineBehavior': 'next_opening' })).status).toBe(200);
      const a = await newVisitor();
      await a.page.goto(shop.origin);
      const note = a.page.locator('[data-support-central] .note');
      await expect.poll(() => note.isVisible()).toBe(true);
      expect(await note.textContent()).toMatch(/^Back (today at|on \w+) .+ your time$/);
      await screenshot(a.page, 'widget-offline-next-opening');
      await a.context.close();

      expect((await admin.patch('/api/admin/settings', { 'widget.offlineBehavior': 'hide' })).status).toBe(200);
      const b = await newVisitor();
      await b.page.goto(shop.origin);
      await expect.poll(() => b.page.locator('[data-support-central]').count()).toBe(1);
      expect(await launcher(b.page).isVisible()).toBe(false);
      await b.context.close();

      expect((await admin.patch('/api/admin/settings', { 'widget.offlineBehavior': 'form' })).status).toBe(200);
      const c = await newVisitor();
      await c.page.goto(shop.origin);
      await launcher(c.page).click();
      const frame = await chat(c.page);
      await expect.poll(() => frame.getByText('Leave us a message').count()).toBe(1);
      await frame.getByLabel('Your name').fill('Olive Offline');
      await frame.getByLabel('Your question').fill('Do you ship to Norway at all?');
      await frame.getByRole('button', { name: 'Send message' }).click();
      await expect.poll(() => frame.getByText('We need your e-mail address').count()).toBe(1);
      await frame.getByLabel('Your e-mail address').fill('olive@example.org');
      await frame.getByRole('button', { name: 'Send message' }).click();
      await expect.poll(() => frame.getByText(/We're closed right now/).count()).toBe(1);
      await screenshot(c.page, 'widget-offline-form-sent');
      await c.context.close();
    } finally {
      await admin.delete(`/api/admin/schedule/overrides/${today}`);
      await admin.patch('/api/admin/settings', { 'widget.offlineBehavior': 'form' });
    }
  });
});
