#!/usr/bin/env node
/**
 * An FAQ bot for Support Central, in plain Node (no dependencies): it receives signed webhooks, and when a visitor
 * asks something it has an answer for while the conversation still waits for an agent, it replies as a bot through
 * the API. Run it against a local server; docs/integrations.md ("A bot in five minutes") shows the whole setup.
 *
 *   SC_URL=http://127.0.0.1:8000 SC_TOKEN=scat_… SC_WEBHOOK_SECRET=whsec_… PORT=4000 node docs/examples/faq-bot.mjs
 *
 * SC_TOKEN needs the scopes conversations:read and messages:write (and a bot name); the webhook endpoint points to
 * http://127.0.0.1:PORT/hook with the event message.created (and "Allow private network targets", since it is local).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const { SC_URL, SC_TOKEN, SC_WEBHOOK_SECRET } = process.env;
const PORT = Number(process.env.PORT ?? 4000);
if (!SC_URL || !SC_TOKEN || !SC_WEBHOOK_SECRET) {
  console.error('Set SC_URL, SC_TOKEN and SC_WEBHOOK_SECRET (see the comment at the top of this file).');
  process.exit(1);
}

/** Keyword → answer. The first entry whose keywords all appear in the question wins. */
const FAQ = [
  {
    keywords: ['opening', 'hours'],
    answer: 'We are open Monday to Friday, 9:00–16:30. An agent will join you shortly.',
  },
  { keywords: ['password'], answer: 'You can reset your password from the sign-in page ("Forgot your password?").' },
  { keywords: ['refund'], answer: 'Refunds take 5–10 working days. An agent will check yours in a moment.' },
];

const REPLAY_WINDOW_SECONDS = 300;
const seen = new Set(); // event ids already handled: a redelivery or a retry carries the same SC-Webhook-Id

/** The receiver's side of the signature: HMAC-SHA256 over `<timestamp>.<raw body>`, and a fresh timestamp. */
function verify(headers, rawBody) {
  const timestamp = headers['sc-webhook-timestamp'];
  const signature = headers['sc-webhook-signature'];
  if (!timestamp || !/^\d+$/.test(timestamp) || !signature) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > REPLAY_WINDOW_SECONDS) return false;
  const expected = Buffer.from(
    'v1=' + createHmac('sha256', SC_WEBHOOK_SECRET).update(`${timestamp}.`).update(rawBody).digest('hex'),
  );
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function reply(conversationId, questionId, text) {
  const response = await fetch(new URL(`/api/staff/conversations/${conversationId}/messages`, SC_URL), {
    method: 'POST',
    headers: { authorization: `Bearer ${SC_TOKEN}`, 'content-type': 'application/json' },
    // One reply per question: the client id makes a repeated attempt return the first reply instead of a copy.
    body: JSON.stringify({ clientMsgId: `faq-${questionId}`, text }),
  });
  if (!response.ok) console.error(`reply refused: ${response.status} ${await response.text()}`);
  else console.log(`answered in ${conversationId}`);
}

async function handle(event) {
  if (event.type !== 'message.created') return;
  const { conversation, message } = event.data;
  // People only (never our own replies, agents or system lines), and only while nobody has picked it up.
  if (!['visitor', 'customer'].includes(message.author.type) || conversation.status !== 'waiting') return;
  const question = message.text.toLowerCase();
  const hit = FAQ.find((f) => f.keywords.every((k) => question.includes(k)));
  if (hit) await reply(conversation.id, message.id, hit.answer);
}

createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    if (req.method !== 'POST' || req.url !== '/hook') {
      res.writeHead(404).end();
      return;
    }
    if (!verify(req.headers, raw)) {
      res.writeHead(401).end('bad signature');
      return;
    }
    const id = req.headers['sc-webhook-id'];
    // Answer at once (Support Central waits at most a few seconds), then work.
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    if (seen.has(id)) return;
    seen.add(id);
    handle(JSON.parse(raw.toString('utf8'))).catch((err) => console.error('handler failed:', err.message));
  });
}).listen(PORT, '127.0.0.1', () => console.log(`FAQ bot listening on http://127.0.0.1:${PORT}/hook`));
