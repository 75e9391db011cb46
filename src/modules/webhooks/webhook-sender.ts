/**
 * One webhook request, safely: POST only, a hard timeout on the whole exchange, no redirects followed, at most a few
 * KiB of the answer read, and SSRF protection — the target's addresses are checked after DNS resolution and the
 * connection is made to the address that was checked (request-filtering-agent wraps the socket's lookup), so neither
 * a private IP literal, a name resolving to one, nor a DNS rebinding between check and connect reaches the server's
 * own network. An endpoint may allow private targets explicitly (an internal receiver; tests).
 */
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import ipaddr from 'ipaddr.js';

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  allowPrivateNetwork: boolean;
  timeoutMs: number;
}

export interface WebhookResponse {
  /** The HTTP status, or null when no response came (refused target, connection error, timeout). */
  status: number | null;
  ok: boolean;
  latencyMs: number;
  /** The first characters of the response body (text), for the delivery log. */
  snippet: string | null;
  /** What went wrong, in words (null when the receiver answered 2xx). */
  error: string | null;
}

const SNIPPET_BYTES = 1024;
const SNIPPET_CHARS = 500;

// One agent per policy and scheme, made with the first delivery (request-filtering-agent is loaded then, not at
// start); no keep-alive (deliveries are spread in time, and a pooled socket would skip the per-connection address
// check on reuse only in theory, but there is nothing to gain).
let agents: Promise<Record<'strict' | 'private', { http: HttpAgent; https: HttpsAgent }>> | undefined;
function loadAgents() {
  agents ??= import('request-filtering-agent').then(({ RequestFilteringHttpAgent, RequestFilteringHttpsAgent }) => ({
    strict: {
      http: new RequestFilteringHttpAgent({ keepAlive: false }),
      https: new RequestFilteringHttpsAgent({ keepAlive: false }),
    },
    private: {
      http: new RequestFilteringHttpAgent({ keepAlive: false, allowPrivateIPAddress: true }),
      https: new RequestFilteringHttpsAgent({ keepAlive: false, allowPrivateIPAddress: true }),
    },
  }));
  return agents;
}

/**
 * Whether a URL's host is, on its face, not a public address (an IP literal outside the public unicast range, or
 * `localhost`): refused when an endpoint is saved without allowing private targets. Names are checked again at
 * every send, after resolution.
 */
export function isObviouslyPrivateHost(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return false;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (!ipaddr.isValid(host)) return false;
  let addr = ipaddr.parse(host);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
  }
  return addr.range() !== 'unicast';
}

function describeFailure(err: unknown, timeoutMs: number, aborted: boolean): string {
  const message = err instanceof Error ? err.message : String(err);
  if (aborted) return `No answer within ${Math.round(timeoutMs / 1000)} s (timed out)`;
  if (/is not allowed\. Because/.test(message)) {
    const address = /lookup (\S+?)\(/.exec(message)?.[1];
    return `Refused: ${address ?? 'the target'} is not a public address (loopback, private, link-local or reserved); allow private network targets for this endpoint to use it`;
  }
  const code = (err as { code?: string }).code;
  return code ? `${code}: ${message}`.slice(0, 300) : message.slice(0, 300);
}

export async function sendWebhook(request: WebhookRequest): Promise<WebhookResponse> {
  const url = new URL(request.url);
  const isHttps = url.protocol === 'https:';
  const loaded = await loadAgents();
  const policy = request.allowPrivateNetwork ? loaded.private : loaded.strict;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const signal = AbortSignal.timeout(request.timeoutMs);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: Omit<WebhookResponse, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...r, latencyMs: elapsed() });
    };
    const req = (isHttps ? https : http).request(
      url,
      {
        method: 'POST',
        agent: isHttps ? policy.https : policy.http,
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        signal,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const snippet = Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8').slice(0, SNIPPET_CHARS);
          const ok = status >= 200 && status < 300;
          let error: string | null = null;
          if (status >= 300 && status < 400) {
            error = `Redirect (${status}) not followed${res.headers.location ? ` (to ${String(res.headers.location).slice(0, 200)})` : ''}`;
          } else if (!ok) error = `The receiver answered ${status}`;
          finish({ status, ok, snippet: snippet || null, error });
          res.destroy();
        };
        res.on('data', (chunk: Buffer) => {
          if (size < SNIPPET_BYTES) chunks.push(chunk);
          size += chunk.length;
          // Enough read: whatever else the receiver sends is not our business.
          if (size >= SNIPPET_BYTES) done();
        });
        res.on('end', done);
        res.on('error', () => done());
      },
    );
    req.on('error', (err) =>
      finish({
        status: null,
        ok: false,
        snippet: null,
        error: describeFailure(err, request.timeoutMs, signal.aborted),
      }),
    );
    req.end(request.body);
  });
}
