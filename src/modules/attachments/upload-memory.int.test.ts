/**
 * Memory stays flat on a huge upload: the built server, in its own process, is sent a 100 MB multipart body.
 * It must refuse it after the per-file limit without buffering it (peak RSS does not grow by anything like
 * 100 MB) and cut the body off (the client cannot push most of it).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { text, uploadWith } from '../../../test/harness/file-fixtures.js';
import { HttpClient } from '../../../test/harness/http-client.js';
import { spawnServer, type SpawnedServer } from '../../../test/harness/spawn-server.js';

const MB = 1024 * 1024;

/** kB figures from /proc/<pid>/status (VmRSS now, VmHWM the peak so far). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/** Streams a multipart body of one `size`-byte file, stopping as soon as the server answers or hangs up. */
function streamUpload(
  url: string,
  headers: Record<string, string>,
  size: number,
): Promise<{ status?: number; body?: string; error?: string; written: number }> {
  const boundary = '----memtest7b3c';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.txt"\r\n` +
      'Content-Type: text/plain\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunk = Buffer.alloc(256 * 1024, 0x61);
  return new Promise((resolve) => {
    let written = 0;
    let settled = false;
    const finish = (result: { status?: number; body?: string; error?: string }) => {
      if (settled) return;
      settled = true;
      resolve({ ...result, written });
    };
    const req = request(url, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + size + tail.length),
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => finish({ status: res.statusCode, body }));
      res.on('error', () => finish({ status: res.statusCode, body }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish({ error: err.code ?? err.message }));
    const pump = () => {
      while (!settled && written < size) {
        const ok = req.write(chunk);
        written += chunk.length;
        if (!ok) {
          req.once('drain', pump);
          return;
        }
      }
      if (!settled) req.end(tail);
    };
    req.write(head);
    pump();
  });
}

describe('uploads keep the server’s memory flat', () => {
  let server: SpawnedServer;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sc-upload-memory-'));
    server = await spawnServer({ DATA_DIR: dataDir, LIMIT_UPLOADS_PER_MINUTE: '1000' });
  });
  afterAll(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a 100 MB body is refused after the per-file limit and cut off, without buffering it', async () => {
    const client = new HttpClient(server.url);
    expect((await client.post('/api/visitor/session', {})).status).toBe(201);
    const started = await client.post('/api/conversations', {
      displayName: 'Mona Memory',
      text: 'Testing a very large upload.',
    });
    expect(started.status).toBe(201);
    const path = `/api/conversations/${started.body.conversation.id}/attachments`;
    // Warm up with a file near the limit, so the baseline includes what one normal upload costs.
    const warm = await uploadWith(client, path, [{ name: 'warm.txt', data: text('b'.repeat(4 * MB)) }]);
    expect(warm.status).toBe(201);
    const before = memoryOf(server.process.pid!);

    const result = await streamUpload(
      `${server.url}${path}`,
      { cookie: client.cookieHeader(), origin: server.url },
      100 * MB,
    );
    if (result.status !== undefined) {
      expect(result.status).toBe(413);
      expect(JSON.parse(result.body!).error.code).toBe('file_too_large');
    } else {
      // The server hung up on the rest of the body before the client read its answer: also a refusal.
      expect(['ECONNRESET', 'EPIPE']).toContain(result.error);
    }
    // Cut off: the client could not push most of the 100 MB (what it wrote fits the limit, the slack and the
    // sockets' buffers).
    expect(result.written).toBeLessThan(40 * MB);

    const after = memoryOf(server.process.pid!);
    // Buffering the body would add ~100 MB; checking one file costs at most a few times the 5 MB limit.
    expect(after.peak - before.peak).toBeLessThan(40 * MB);
    expect(after.rss - before.rss).toBeLessThan(40 * MB);

    // The server is fine and nothing of the refused upload was kept.
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const history = await client.get(`/api/conversations/${started.body.conversation.id}/messages`);
    expect(history.status).toBe(200);
  });
});
