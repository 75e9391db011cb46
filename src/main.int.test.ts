import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS } from '../test/harness/dialects.js';
import { connected, socketClient } from '../test/harness/sockets.js';
import { freePort } from '../test/harness/private-services.js';
import { BUILT_SERVER, spawnServer } from '../test/harness/spawn-server.js';
import { projectRoot } from './core/paths.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'sc-main-'));

/** Starts the built server expecting it to refuse, and returns its exit code and output. */
async function expectRefusal(env: Record<string, string>): Promise<{ code: number | string; output: string }> {
  const server = await spawnServer({ DATA_DIR: tmp(), ...env }, { waitReady: false });
  const code = await server.exited;
  return { code, output: server.output() };
}

describe('starting the built server', () => {
  it.each([
    ['a malformed DATABASE_URL', { DATABASE_URL: 'mysql://nope' }, /DATABASE_URL must start with postgres:\/\//],
    [
      'an unreachable database',
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' },
      /Cannot start Support Central: Cannot reach PostgreSQL 127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED/,
    ],
    ['an invalid STAFF_PORT', { STAFF_PORT: '99999' }, /STAFF_PORT must be a whole number between 1 and 65535/],
  ])('refuses %s with one clear line and exit 1, no stack trace', async (_name, env, message) => {
    const { code, output } = await expectRefusal(env);
    expect(code).toBe(1);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
  });

  it('refuses a port already in use with one clear line', async () => {
    const first = await spawnServer({ DATA_DIR: tmp() });
    try {
      const { code, output } = await expectRefusal({ PORT: String(first.port) });
      expect(code).toBe(1);
      expect(output).toContain(`port ${first.port} is already in use`);
    } finally {
      await first.kill();
    }
  });

  it('stops cleanly on SIGTERM, telling sockets to reconnect', async () => {
    const server = await spawnServer({ DATA_DIR: tmp() });
    const socket = socketClient(server.url, '/public');
    await connected(socket);
    const hint = new Promise<unknown>((resolve) => socket.once('server:shutdown', resolve));
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    const code = await server.kill('SIGTERM');
    expect(code).toBe(0);
    expect(await hint).toEqual({ reconnect: true });
    // A transport close (not a server-side "io server disconnect"): the client reconnects by itself.
    expect(await disconnected).toBe('transport close');
    socket.close();
  });

  it.skipIf(!DIALECTS.includes('postgres'))('runs the same product on PostgreSQL', async () => {
    const database = await createTestDatabase('postgres');
    try {
      const server = await spawnServer({ DATABASE_URL: database.url, DATA_DIR: database.dataDir });
      try {
        const r = await fetch(`${server.url}/readyz`);
        expect(await r.json()).toEqual({ status: 'ready', checks: { database: 'ok', redis: 'not_configured' } });
      } finally {
        await server.kill();
      }
    } finally {
      await database.drop();
    }
  });
});

describe('the README quick start', () => {
  it('`npm start` runs a server file the build really writes, which serves the landing page and /healthz', async () => {
    const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const target = /node (\S+)/.exec(pkg.scripts.start ?? '')?.[1];
    expect(target).toBeDefined();
    expect(join(projectRoot(), target!)).toBe(BUILT_SERVER);
    const server = await spawnServer({ DATA_DIR: tmp() });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const page = await fetch(`${server.url}/`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
    } finally {
      await server.kill();
    }
  });
});

describe('STAFF_PORT', () => {
  it('serves the staff app only on the staff port, and the visitor app only on the public one', async () => {
    const staffPort = await freePort();
    const server = await spawnServer({ DATA_DIR: tmp(), STAFF_PORT: String(staffPort) });
    try {
      const html = { accept: 'text/html' };
      const staffOnPublic = await fetch(`${server.url}/staff`, { headers: html });
      expect(staffOnPublic.status).toBe(404);
      const staffOnStaff = await fetch(`http://127.0.0.1:${staffPort}/staff`, { headers: html });
      expect(staffOnStaff.status).toBe(200);
      expect(await staffOnStaff.text()).toContain('Support desk');
      const landingOnStaff = await fetch(`http://127.0.0.1:${staffPort}/`, { headers: html, redirect: 'manual' });
      expect(landingOnStaff.status).toBe(302);
      expect(landingOnStaff.headers.get('location')).toBe('/staff');
      expect((await fetch(`http://127.0.0.1:${staffPort}/healthz`)).status).toBe(200);
      // One Socket.IO server behind both listeners.
      const s = socketClient(`http://127.0.0.1:${staffPort}`, '/public');
      await connected(s);
      s.close();
    } finally {
      await server.kill();
    }
  });
});

describe('TLS', () => {
  let dir: string;
  beforeAll(() => {
    dir = tmp();
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
  });
  it('serves HTTPS with HSTS and WSS when a certificate is configured', async () => {
    const port = await freePort();
    const ca = readFileSync(join(dir, 'cert.pem'));
    const server = await spawnServer(
      { DATA_DIR: dir, PORT: String(port), TLS_CERT_FILE: join(dir, 'cert.pem'), TLS_KEY_FILE: join(dir, 'key.pem') },
      { waitReady: false },
    );
    try {
      const get = () =>
        new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, path: '/healthz', ca }, (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, headers: res.headers });
          });
          req.on('error', reject);
          req.end();
        });
      let response: Awaited<ReturnType<typeof get>> | undefined;
      for (let i = 0; i < 100 && !response; i++) {
        response = await get().catch(() => undefined);
        if (!response) await new Promise((r) => setTimeout(r, 50));
      }
      expect(response?.status).toBe(200);
      expect(String(response?.headers['strict-transport-security'])).toMatch(/max-age=31536000/);
      const s = socketClient(`https://127.0.0.1:${port}`, '/public', { ca: ca.toString() } as never);
      await connected(s);
      s.close();
    } finally {
      await server.kill();
    }
  });
});
