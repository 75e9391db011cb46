import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, screenshot, watchPageErrors } from '../../test/harness/browser.js';
import { createStaff, staffClient } from '../../test/harness/factories.js';
import { exe, pdf, png, pngHeader, uploadWith } from '../../test/harness/file-fixtures.js';
import type { HttpClient } from '../../test/harness/http-client.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

interface FileView {
  id: string;
  name: string;
  size: number;
  mime: string;
  isImage: boolean;
}

describe.skipIf(!chromiumAvailable())('attachments in Chromium', () => {
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

  const download = async (conversationId: string, file: FileView, inline = false) => {
    const r = await fetch(
      `${t.url}/api/staff/conversations/${conversationId}/attachments/${file.id}${inline ? '?inline=1' : ''}`,
      { headers: { cookie: agent.cookieHeader() } },
    );
    return { response: r, bytes: Buffer.from(await r.arrayBuffer()) };
  };

  it('a visitor attaches an image and a PDF; the agent previews and downloads them; a refused file shows why', async () => {
    const image = png(96, 64, [49, 87, 213]);
    const invoicePdf = pdf('Invoice 2026-0042');
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    const errors = watchPageErrors(page);
    await page.goto(t.url);

    // The start form: the question, and an image chosen with the picker (uploaded once the conversation exists).
    await page.getByLabel('Your name').fill('Vera Visitor');
    await page.getByLabel('Your question').fill('The upload page shows an error, screenshot attached.');
    await page
      .locator('input[type=file]')
      .setInputFiles({ name: 'error-screen.png', mimeType: 'image/png', buffer: image });
    await expect.poll(() => page.getByText('error-screen.png').count()).toBe(1);
    await screenshot(page, 'attachments-start-form');
    await page.getByRole('button', { name: 'Start conversation' }).click();
    await page.waitForURL(/\/c\/[0-9a-f-]+$/);
    const conversationId = page.url().split('/c/')[1]!;

    // The image arrives as the second message, with a preview served by the inline endpoint.
    const preview = page.locator('.sc-attachment-preview img');
    await expect.poll(() => preview.count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => preview.evaluate((img: any) => img.complete && img.naturalWidth)).toBe(96);

    // The PDF is dropped on the composer (drag and drop), uploads with progress, then goes with a text.
    // This function runs in the page (its own globals), not in Node.
    await page.evaluate(
      (bytes) => {
        const w = globalThis as any;
        const transfer = new w.DataTransfer();
        transfer.items.add(new w.File([new Uint8Array(bytes)], 'invoice.pdf', { type: 'application/pdf' }));
        const zone = w.document.querySelector('.sc-dropzone');
        for (const type of ['dragenter', 'dragover', 'drop']) {
          zone.dispatchEvent(new w.DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
        }
      },
      [...invoicePdf],
    );
    await expect.poll(() => page.getByText('Ready to send').count(), { timeout: 15_000 }).toBe(1);
    await page.getByLabel('Message').fill('And the invoice as a PDF.');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.locator('.sc-attachment-link', { hasText: 'invoice.pdf' }).count()).toBe(1);
    expect(await page.locator('.sc-attachment-link', { hasText: 'invoice.pdf' }).getAttribute('href')).toMatch(
      new RegExp(`^/api/conversations/${conversationId}/attachments/[0-9a-f-]+$`),
    );

    // A program renamed .png is refused by the server (content sniffing); the reason shows next to the file.
    await page.locator('.sc-composer input[type=file]').setInputFiles({
      name: 'holiday.png',
      mimeType: 'image/png',
      buffer: exe(),
    });
    const refused = page.locator('.sc-pending-file-error', { hasText: 'holiday.png' });
    await expect.poll(() => refused.count(), { timeout: 15_000 }).toBe(1);
    expect(await refused.getByRole('alert').textContent()).toContain('does not match its .png extension');
    expect(await refused.getByRole('alert').getAttribute('data-code')).toBe('file_type_mismatch');
    // An image whose header declares 50,000 × 50,000 pixels (a 103-byte decompression bomb): refused, said why.
    await page.locator('.sc-composer input[type=file]').setInputFiles({
      name: 'panorama.png',
      mimeType: 'image/png',
      buffer: pngHeader(50_000, 50_000),
    });
    const bomb = page.locator('.sc-pending-file-error', { hasText: 'panorama.png' });
    await expect.poll(() => bomb.count(), { timeout: 15_000 }).toBe(1);
    expect(await bomb.getByRole('alert').textContent()).toBe(
      'This image is 50,000 × 50,000 pixels; images are limited to 50 megapixels.',
    );
    expect(await bomb.getByRole('alert').getAttribute('data-code')).toBe('image_too_large');
    await bomb.getByRole('button', { name: 'Remove panorama.png' }).click();
    // Nothing to send with only a refused file.
    expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await screenshot(page, 'attachments-conversation');

    // The agent (API client) sees both files in the history, previews the image and downloads the PDF.
    const history = await agent.get(`/api/staff/conversations/${conversationId}/messages`);
    const files = history.body.messages.flatMap((m: { attachments: FileView[] }) => m.attachments) as FileView[];
    expect(files.map((f) => f.name)).toEqual(['error-screen.png', 'invoice.pdf']);
    const shot = await download(conversationId, files[0]!, true);
    expect(shot.response.headers.get('content-disposition')).toBe('inline; filename="error-screen.png"');
    expect(shot.bytes.equals(image)).toBe(true);
    const invoice = await download(conversationId, files[1]!);
    expect(invoice.response.headers.get('content-type')).toBe('application/pdf');
    expect(invoice.response.headers.get('content-disposition')).toBe('attachment; filename="invoice.pdf"');
    expect(invoice.bytes.equals(invoicePdf)).toBe(true);
    // The refused file was never stored.
    expect(files.some((f) => f.name === 'holiday.png')).toBe(false);

    // The agent answers with a file: the visitor gets a download link, live.
    await agent.post(`/api/staff/conversations/${conversationId}/join`);
    const up = await uploadWith(agent, `/api/staff/conversations/${conversationId}/attachments`, [
      { name: 'steps.pdf', data: pdf('Steps to fix it') },
    ]);
    await agent.post(`/api/staff/conversations/${conversationId}/messages`, {
      clientMsgId: randomUUID(),
      text: 'Here are the steps.',
      attachmentIds: [up.body.attachments[0].id],
    });
    await expect.poll(() => page.locator('.sc-attachment-link', { hasText: 'steps.pdf' }).count()).toBe(1);
    await page.locator('.sc-pending-file-error').getByRole('button', { name: 'Remove holiday.png' }).click();
    await expect.poll(() => page.locator('.sc-pending-file').count()).toBe(0);
    await screenshot(page, 'attachments-agent-reply');
    // The refused uploads' 415 and 413 are logged by the browser as failed resource loads; nothing else went wrong.
    expect(errors.filter((e) => !/\b41[35]\b/.test(e))).toEqual([]);
  });

  it('the start form refuses a file the rules exclude before anything is sent', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(t.url);
    await page
      .locator('input[type=file]')
      .setInputFiles([{ name: 'setup.exe', mimeType: 'application/octet-stream', buffer: exe() }]);
    const refused = page.locator('.sc-pending-file-error', { hasText: 'setup.exe' });
    await expect.poll(() => refused.count()).toBe(1);
    expect(await refused.getByRole('alert').textContent()).toBe('Files of type .exe are not accepted.');
    await page.getByLabel('Your name').fill('Pat Picker');
    await page.getByLabel('Your question').fill('Can I send you an installer?');
    await page.getByRole('button', { name: 'Start conversation' }).click();
    await expect.poll(() => page.getByText('Some files cannot be sent').count()).toBe(1);
    expect(page.url()).toBe(`${t.url}/`);
    await screenshot(page, 'attachments-start-refused');
  });
});
