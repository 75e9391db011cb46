import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../core/paths.js';
import { createStaff, staffClient, visitorWithConversation } from '../../../test/harness/factories.js';
import { freePort } from '../../../test/harness/private-services.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';

/** docs/examples/faq-bot.mjs, run as the guide says, against a real server: it must answer. */
describe('the documented FAQ bot example', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(() => t?.stop());

  it('receives the signed webhook and replies as a bot while the conversation waits', async () => {
    const admin = await staffClient(t, await createStaff(t, 'admin'));
    const token = await admin.post('/api/admin/api-tokens', {
      name: 'FAQ bot',
      scopes: ['conversations:read', 'messages:write'],
      botName: 'FAQ Bot',
    });
    const port = await freePort();
    const endpoint = await admin.post('/api/admin/webhooks', {
      url: `http://127.0.0.1:${port}/hook`,
      events: ['message.created'],
      allowPrivateNetwork: true,
    });
    let output = '';
    const bot = spawn(process.execPath, [join(projectRoot(), 'docs', 'examples', 'faq-bot.mjs')], {
      env: {
        PATH: process.env.PATH ?? '',
        SC_URL: t.staffUrl,
        SC_TOKEN: token.body.token,
        SC_WEBHOOK_SECRET: endpoint.body.secret,
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    bot.stdout.on('data', (d: Buffer) => (output += d.toString()));
    bot.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await expect.poll(() => output).toContain('FAQ bot listening');
      const v = await visitorWithConversation(t, 'Hi! What are your opening hours this week?');
      await expect
        .poll(
          async () => {
            const h = await v.client.get(`/api/conversations/${v.conversationId}/messages?after=0`);
            return h.body.messages.map((m: any) => `${m.author.type}:${m.author.name}:${m.text}`);
          },
          { timeout: 15_000 },
        )
        .toContain('bot:FAQ Bot:We are open Monday to Friday, 9:00–16:30. An agent will join you shortly.');
      // Nothing for a question it cannot answer.
      const other = await visitorWithConversation(t, 'Something the FAQ does not cover at all.');
      await expect.poll(() => output.match(/answered in/g)?.length ?? 0).toBe(1);
      const h = await other.client.get(`/api/conversations/${other.conversationId}/messages?after=0`);
      expect(h.body.messages.map((m: any) => m.author.type)).toEqual(['visitor']);
    } finally {
      bot.kill();
    }
  });
});
