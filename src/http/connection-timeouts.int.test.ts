import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connected, socketClient } from '../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

/** Short limits so the test waits a second or two; the defaults are 10 s and 300 s. */
const LIMITS = { HTTP_HEADERS_TIMEOUT_SECONDS: '1', HTTP_REQUEST_TIMEOUT_SECONDS: '2' };

interface Outcome {
  /** Everything the server sent before closing. */
  received: string;
}

/** Resolves when the server closes `socket`, with what it answered (the test's own timeout bounds the wait). */
function closedByServer(socket: Socket): Promise<Outcome> {
  return new Promise((resolve) => {
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ received }));
  });
}

const portOf = (url: string) => Number(new URL(url).port);
const HALF_HEAD = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ';

function plain(url: string, send?: string): Promise<Outcome> {
  const socket = tcpConnect(portOf(url), '127.0.0.1', () => {
    if (send) socket.write(send);
  });
  return closedByServer(socket);
}

describe('connections that never send a request head are closed', () => {
  describe('plain HTTP, public and staff listeners', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp('sqlite', { env: LIMITS, separateStaffPort: true });
    });
    afterAll(() => t?.stop());

    it('a connection that sends nothing is closed, on each listener, however many are open', async () => {
      expect(t.staffUrl).not.toBe(t.url);
      const live = socketClient(t.url, '/public');
      await connected(live);
      const outcomes = await Promise.all(
        [t.url, t.staffUrl].flatMap((url) => Array.from({ length: 10 }, () => plain(url))),
      );
      for (const o of outcomes) expect(o.received).toBe('');
      // A WebSocket is a completed request: it outlives every one of them.
      expect(live.connected).toBe(true);
      expect(t.app.realtime.io.of('/public').sockets.size).toBe(1);
      live.close();
      // The listeners still serve.
      expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${t.staffUrl}/healthz`)).status).toBe(200);
    });

    it('half a request head is answered 408 and closed, on each listener', async () => {
      for (const url of [t.url, t.staffUrl]) {
        const o = await plain(url, HALF_HEAD);
        expect(o.received).toMatch(/^HTTP\/1\.1 408 /);
      }
    });

    it('on a keep-alive connection, the next request must complete its head in time too', async () => {
      const socket = tcpConnect(portOf(t.url), '127.0.0.1');
      const closed = closedByServer(socket);
      const firstAnswer = new Promise<void>((resolve) =>
        socket.on('data', (chunk: Buffer) => {
          if (chunk.toString('latin1').includes('"status":"ok"')) resolve();
        }),
      );
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await firstAnswer;
      socket.write(HALF_HEAD);
      const o = await closed;
      expect(o.received).toMatch(/^HTTP\/1\.1 200 [\s\S]*HTTP\/1\.1 408 /);
    });

    it('a body that trickles in is cut after the request time; a WebSocket is not', async () => {
      const live = socketClient(t.url, '/public');
      await connected(live);
      const o = await plain(
        t.url,
        'POST /api/visitor/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
      );
      expect(o.received).toMatch(/^HTTP\/1\.1 408 /);
      // The WebSocket's upgrade request was complete long ago: the request time does not apply to it.
      expect(live.connected).toBe(true);
      expect(t.app.realtime.io.of('/public').sockets.size).toBe(1);
      live.close();
    });
  });

  describe('TLS', () => {
    let t: TestApp;
    let dir: string;
    let ca: Buffer;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sc-tls-'));
      execFileSync(
        'openssl',
        [
          ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
          ...['-addext', 'subjectAltName=IP:127.0.0.1'],
          ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
        ],
        { stdio: 'ignore' },
      );
      ca = readFileSync(join(dir, 'cert.pem'));
      t = await startTestApp('sqlite', {
        env: { ...LIMITS, TLS_CERT_FILE: join(dir, 'cert.pem'), TLS_KEY_FILE: join(dir, 'key.pem') },
      });
    });
    afterAll(async () => {
      await t?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const secure = (send?: string) =>
      new Promise<Outcome & { handshake: boolean }>((resolve) => {
        let handshake = false;
        const socket = tlsConnect({ host: '127.0.0.1', port: portOf(t.url), ca }, () => {
          handshake = true;
          if (send) socket.write(send);
        });
        void closedByServer(socket as unknown as Socket).then((o) => resolve({ ...o, handshake }));
      });

    it('serves HTTPS', () => {
      expect(t.url).toMatch(/^https:/);
    });

    it('a TCP connection that never starts the TLS handshake is closed', async () => {
      expect((await plain(t.url)).received).toBe('');
    });

    it('after the handshake, a connection that sends nothing is closed', async () => {
      const o = await secure();
      expect(o.handshake).toBe(true);
      expect(o.received).toBe('');
    });

    it('after the handshake, half a request head is answered 408 and closed', async () => {
      const o = await secure(HALF_HEAD);
      expect(o.handshake).toBe(true);
      expect(o.received).toMatch(/^HTTP\/1\.1 408 /);
    });
  });
});
