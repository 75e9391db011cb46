/**
 * A real HTTP server on 127.0.0.1 that receives webhooks the way a customer's endpoint would: it records every
 * request (headers, raw body), checks the signature with the secret it was given, and answers as the test scripts it
 * (a status, a delay, a redirect), so suites can prove retries, signatures, slow and failing endpoints for real.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifyWebhookSignature, type SignatureVerdict } from '../../src/modules/webhooks/webhook-signature.js';
import { WEBHOOK_HEADERS } from '../../src/shared/integrations.js';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  json: { id: string; type: string; createdAt: string; data: Record<string, any> };
  /** The signature checked against the receiver's secret at the time it arrived. */
  verdict: SignatureVerdict;
  /** What the receiver answered. */
  answered: number;
}

export interface Answer {
  status?: number;
  delayMs?: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** The secret signatures are checked with; deliveries with a bad signature are answered 401 (as a receiver should). */
  secret: string | undefined;
  /** How the next requests are answered (in order); afterwards `fallback`. */
  script: Answer[];
  fallback: Answer;
  /** The clock the receiver checks timestamps against (seconds); defaults to its own. */
  nowSeconds?: () => number;
  /** Requests of one event type. */
  of(type: string): ReceivedWebhook[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  // eslint-disable-next-line prefer-const -- assigned once the handler, which needs `receiver`, exists
  let server: Server;
  const receiver: WebhookReceiver = {
    url: '',
    received,
    secret: undefined,
    script: [],
    fallback: { status: 200, body: '{"ok":true}' },
    of: (type) => received.filter((r) => r.json.type === type),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const answer = receiver.script.shift() ?? receiver.fallback;
        const verdict: SignatureVerdict = receiver.secret
          ? verifyWebhookSignature(
              receiver.secret,
              {
                timestamp: req.headers[WEBHOOK_HEADERS.timestamp] as string | undefined,
                signature: req.headers[WEBHOOK_HEADERS.signature] as string | undefined,
              },
              body,
              receiver.nowSeconds?.() ?? Math.floor(Date.now() / 1000),
            )
          : { ok: false, reason: 'malformed' };
        let status = answer.status ?? 200;
        // A receiver refuses what it cannot authenticate, unless the test scripted an answer for this request.
        if (receiver.secret && !verdict.ok && answer === receiver.fallback) status = 401;
        let json: ReceivedWebhook['json'];
        try {
          json = JSON.parse(body) as ReceivedWebhook['json'];
        } catch {
          json = { id: '', type: '', createdAt: '', data: {} };
        }
        received.push({ headers: req.headers, body, json, verdict, answered: status });
        if (answer.delayMs) await sleep(answer.delayMs);
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body ?? (status < 300 ? '{"ok":true}' : `{"error":"answered ${status}"}`));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}
