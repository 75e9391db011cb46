import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webDistDir } from '../core/paths.js';
import { describeEachDialect } from '../../test/harness/dialects.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789abcdef';
/** A GET with exactly these headers, over a plain socket (fetch would add Accept-Encoding and decode for us). */
function rawGet(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (done, fail) => {
      const req = request(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', fail);
      });
      req.on('error', fail);
      req.end();
    },
  );
}

describeEachDialect('HTTP foundation', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { METRICS_TOKEN } });
  });
  afterAll(() => t?.stop());

  it('answers /healthz and /readyz', async () => {
    const c = t.client();
    expect((await c.get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await c.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'not_configured' } });
  });

  it('answers unknown API routes with a JSON 404 and a stable code', async () => {
    const r = await t.client().get('/api/does-not-exist');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    expect(r.body.error.code).toBe('route_not_found');
  });

  it('sends security headers and a request id on every response', async () => {
    const r = await t.client().get('/healthz');
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // No HSTS without TLS: a browser would otherwise refuse plain http://localhost afterwards.
    expect(r.headers.get('strict-transport-security')).toBeNull();
  });

  it('exposes Prometheus metrics with HTTP counts, durations, event-loop lag and open sockets', async () => {
    await t.client().get('/healthz');
    const r = await t.client().withBearer(METRICS_TOKEN).get('/metrics');
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/sc_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(r.text).toContain('sc_http_request_duration_seconds_bucket');
    expect(r.text).toContain('sc_nodejs_eventloop_lag_seconds');
    expect(r.text).toContain('# TYPE sc_open_sockets gauge');
  });

  it('publishes the OpenAPI document and a docs page', async () => {
    const doc = await t.client().get('/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/healthz', '/readyz', '/api/settings/public']),
    );
    const page = await t.client().get('/api/docs/', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('swagger');
  });

  it('never answers 500 to malformed input', async () => {
    const c = t.client();
    const bad = await c.post('/api/settings/public', undefined, {
      raw: '{"a":',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    const huge = await c.post('/api/anything', undefined, {
      raw: JSON.stringify({ x: 'y'.repeat(2 * 1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload_too_large');
  });

  it('serves the branding settings', async () => {
    const r = await t.client().get('/api/settings/public');
    expect(r.body).toMatchObject({
      serviceName: 'Support Central',
      agentTitle: 'Support',
      emailRequiredWhileClosed: false,
      // No SMTP_URL here: the pages must not offer anything that needs e-mail.
      mailConfigured: false,
    });
    expect(r.body.attachments).toMatchObject({ maxFileBytes: 5 * 1024 * 1024, maxFiles: 10 });
  });

  it('serves the web app shell for page routes and the staff shell under /staff', async () => {
    const page = await t.client().get('/some/page', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('<div id="root">');
    expect(page.text).not.toMatch(/<script>(?!<)/); // no inline script
    const staff = await t.client().get('/staff/desk', { headers: { accept: 'text/html' } });
    expect(staff.status).toBe(200);
    expect(staff.text).toContain('Support desk');
  });

  it('sends built assets precompressed (brotli, else gzip, else as they are), cached for good, varying by encoding', async () => {
    const shell = readFileSync(join(webDistDir(), 'index.html'), 'utf8');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(shell)![1]!;
    const original = readFileSync(join(webDistDir(), asset));
    const url = new URL(asset, t.url).href;
    const sent = async (acceptEncoding?: string) => {
      const r = await rawGet(url, acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding });
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toMatch(/javascript/);
      expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(String(r.headers.vary).toLowerCase()).toContain('accept-encoding');
      return r;
    };

    const br = await sent('gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).equals(original)).toBe(true);
    expect(br.body.length).toBeLessThan(original.length / 2);

    const gz = await sent('gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(original)).toBe(true);

    for (const identity of [undefined, 'identity', 'zstd']) {
      const plain = await sent(identity);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body.equals(original)).toBe(true);
    }

    // The compressed files are encodings of the asset, not addresses of their own.
    expect((await rawGet(`${url}.br`, {})).status).toBe(404);
    expect((await rawGet(`${url}.gz`, { 'accept-encoding': 'gzip' })).status).toBe(404);
  });
});

// Where /metrics is served involves no database: SQLite only.
describe('/metrics is never public', () => {
  it('with STAFF_PORT: served on the staff listener only', async () => {
    const t = await startTestApp('sqlite', { separateStaffPort: true });
    try {
      const onPublic = await t.client().get('/metrics');
      expect(onPublic.status).toBe(404);
      expect(onPublic.body.error.code).toBe('route_not_found');
      const onStaff = await t.staffClient().get('/metrics');
      expect(onStaff.status).toBe(200);
      expect(onStaff.text).toContain('sc_http_requests_total');
    } finally {
      await t.stop();
    }
  });

  it('on one port: not served without METRICS_TOKEN, and only to a request carrying it with one', async () => {
    const bare = await startTestApp('sqlite');
    try {
      expect((await bare.client().get('/metrics')).status).toBe(404);
    } finally {
      await bare.stop();
    }
    const t = await startTestApp('sqlite', { env: { METRICS_TOKEN } });
    try {
      const anonymous = await t.client().get('/metrics');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
      expect(anonymous.text).not.toContain('sc_http_requests_total');
      expect((await t.client().withBearer(`${METRICS_TOKEN}x`).get('/metrics')).status).toBe(401);
      const scraper = await t.client().withBearer(METRICS_TOKEN).get('/metrics');
      expect(scraper.status).toBe(200);
      expect(scraper.text).toContain('sc_http_requests_total');
    } finally {
      await t.stop();
    }
  });

  it('with STAFF_PORT and METRICS_TOKEN: the staff listener wants the token too', async () => {
    const t = await startTestApp('sqlite', { separateStaffPort: true, env: { METRICS_TOKEN } });
    try {
      expect((await t.staffClient().get('/metrics')).status).toBe(401);
      expect((await t.staffClient().withBearer(METRICS_TOKEN).get('/metrics')).status).toBe(200);
      expect((await t.client().withBearer(METRICS_TOKEN).get('/metrics')).status).toBe(404);
    } finally {
      await t.stop();
    }
  });
});
