import { request } from 'node:http';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

/** Whether a WebSocket handshake with exactly these Host and Origin headers gets a socket. */
function socketOpens(t: TestApp, headers: Record<string, string>): Promise<boolean> {
  const url = `${t.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`;
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(true);
    });
    ws.once('unexpected-response', (req) => {
      req.destroy();
      resolve(false);
    });
    ws.once('error', () => resolve(false));
  });
}

/** A cookie-carrying write with exactly these headers (fetch may not set Host). */
function write(t: TestApp, headers: Record<string, string>): Promise<{ status: number; code?: string }> {
  const { port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/customers/logout',
        headers: { cookie: 'sc_session=x', 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => {
          const code = body ? (JSON.parse(body) as { error?: { code: string } }).error?.code : undefined;
          resolve({ status: res.statusCode ?? 0, code });
        });
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

// Origin checks involve no database: SQLite only.
describe('origin checks without PUBLIC_ORIGIN (development)', () => {
  let t: TestApp;
  let port: string;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
    port = new URL(t.url).port;
  });
  afterAll(() => t?.stop());

  it('refuses a DNS-rebinding name: Host and Origin both on a name that is not ours', async () => {
    const rebinding = { host: `rebind.attacker.example:${port}`, origin: `http://rebind.attacker.example:${port}` };
    expect(await socketOpens(t, rebinding)).toBe(false);
    expect(await write(t, rebinding)).toEqual({ status: 403, code: 'csrf_failed' });
  });

  it('keeps working on loopback names and addresses', async () => {
    for (const name of ['localhost', '127.0.0.1', 'app.localhost']) {
      const own = { host: `${name}:${port}`, origin: `http://${name}:${port}` };
      expect(await socketOpens(t, own)).toBe(true);
      expect((await write(t, own)).status).toBe(200);
    }
  });
});

describe('X-Forwarded-Proto', () => {
  it('counts only when the peer is a proxy TRUST_PROXY names', async () => {
    const spoofed = (port: string) => ({
      host: `127.0.0.1:${port}`,
      origin: `https://127.0.0.1:${port}`,
      'x-forwarded-proto': 'https',
    });
    // The test client connects from 127.0.0.1, which is not the named proxy: its header is ignored.
    const other = await startTestApp('sqlite', { env: { TRUST_PROXY: '10.0.0.5' } });
    try {
      const port = new URL(other.url).port;
      expect(await write(other, spoofed(port))).toEqual({ status: 403, code: 'csrf_failed' });
      expect(await socketOpens(other, spoofed(port))).toBe(false);
    } finally {
      await other.stop();
    }
    // From the named proxy it is what the browser used.
    const proxied = await startTestApp('sqlite', { env: { TRUST_PROXY: 'loopback' } });
    try {
      const port = new URL(proxied.url).port;
      expect((await write(proxied, spoofed(port))).status).toBe(200);
      expect(await socketOpens(proxied, spoofed(port))).toBe(true);
    } finally {
      await proxied.stop();
    }
  });
});
