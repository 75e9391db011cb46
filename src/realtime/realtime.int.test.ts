import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../../test/harness/dialects.js';
import { connected, socketClient } from '../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../test/harness/test-app.js';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789abcdef';

describeEachDialect('Socket.IO transport', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { METRICS_TOKEN } });
  });
  afterAll(() => t?.stop());

  it('connects over WebSocket to the public namespace from the own origin', async () => {
    const s = socketClient(t.url, '/public');
    await connected(s);
    expect(s.connected).toBe(true);
    const metrics = await t.client().withBearer(METRICS_TOKEN).get('/metrics');
    expect(metrics.text).toMatch(/sc_open_sockets\{namespace="\/public"\} 1/);
    s.close();
  });

  it('refuses a handshake from a foreign Origin', async () => {
    const s = socketClient(t.url, '/public', { origin: 'https://evil.example' });
    await expect(connected(s)).rejects.toThrow();
    s.close();
  });

  it('refuses long-polling (WebSocket transport only, no sticky sessions needed)', async () => {
    const r = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: t.url } });
    expect(r.status).toBeGreaterThanOrEqual(400);
  });

  it('closes a connection that sends a 1 MB frame with code 1009 and keeps serving others', async () => {
    const url = `${t.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const raw = new WebSocket(url, { headers: { origin: t.url } });
    await new Promise<void>((resolve, reject) => {
      raw.once('open', () => resolve());
      raw.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => raw.once('close', (code) => resolve(code)));
    raw.send('4' + 'x'.repeat(1024 * 1024));
    expect(await closed).toBe(1009);

    const other = socketClient(t.url, '/public');
    await connected(other);
    expect((await t.client().get('/healthz')).status).toBe(200);
    other.close();
  });
});
