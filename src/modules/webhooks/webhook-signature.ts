/**
 * Webhook signatures: HMAC-SHA256 with the endpoint's secret over `<timestamp>.<body>` (timestamp in Unix seconds,
 * body the exact bytes sent), hex, in the header `SC-Webhook-Signature: v1=<hex>` next to `SC-Webhook-Timestamp`.
 * Binding the timestamp into the signature is what makes the replay window enforceable: a receiver refuses a
 * delivery whose timestamp is more than WEBHOOK_REPLAY_WINDOW_SECONDS away from its clock, and an attacker cannot
 * re-date a captured delivery. `verifyWebhookSignature` is what a receiver runs (docs/integrations.md shows it in a
 * few lines of plain Node).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WEBHOOK_REPLAY_WINDOW_SECONDS } from '../../shared/integrations.js';

export function signWebhook(secret: string, timestamp: number, body: string | Buffer): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return `v1=${mac}`;
}

export type SignatureVerdict = { ok: true } | { ok: false; reason: 'malformed' | 'stale' | 'mismatch' };

/** Checks a delivery as a receiver should: a well-formed header, a fresh timestamp, a matching MAC (constant time). */
export function verifyWebhookSignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string | Buffer,
  nowSeconds: number,
  windowSeconds = WEBHOOK_REPLAY_WINDOW_SECONDS,
): SignatureVerdict {
  const ts = Number(headers.timestamp);
  if (!headers.timestamp || !/^\d{1,12}$/.test(headers.timestamp) || !headers.signature) {
    return { ok: false, reason: 'malformed' };
  }
  if (Math.abs(nowSeconds - ts) > windowSeconds) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(signWebhook(secret, ts, body));
  // A header may carry several signatures (during a secret rotation on the receiver's side): any one may match.
  for (const candidate of headers.signature.split(/[ ,]+/)) {
    const given = Buffer.from(candidate.trim());
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, reason: 'mismatch' };
}
