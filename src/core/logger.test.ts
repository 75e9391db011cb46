import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { installErrorHandling } from '../http/error-handler.js';
import { toAppError } from './app-errors.js';
import { createLogger, redactQueryValues, requestLogUrl } from './logger.js';

function capture(level: 'trace' | 'info' = 'trace') {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger(level, sink), lines, text: () => lines.join('\n') };
}

const SECRET = 'Sup3rSecretValue';

describe('logger redaction', () => {
  it('censors every credential header at any depth and leaves the logged object untouched', () => {
    const { logger, text } = capture();
    const headers = {
      'content-type': 'multipart/form-data',
      authorization: `Bearer ${SECRET}1`,
      Cookie: `sc_session=${SECRET}2`,
      'proxy-authorization': `Basic ${SECRET}3`,
      'x-api-key': `${SECRET}4`,
      'X-Custom-Auth-Token': `${SECRET}5`,
      'set-cookie': [`sc_staff=${SECRET}6; HttpOnly`],
    };
    // The shape @fastify/multipart logs at trace: the request's headers inside the parser's options.
    logger.trace({ busboyOptions: { headers, limits: { fileSize: 1 } } }, 'Providing options to busboy');
    logger.info({ deep: [{ a: { b: { c: { headers } } } }] }, 'nested');
    logger.info({ password: `${SECRET}7`, newPassword: `${SECRET}8`, text: `${SECRET}9` }, 'fields');
    const written = text();
    expect(written).not.toContain(SECRET);
    expect(written).toContain('"content-type":"multipart/form-data"');
    expect(written).toContain('"Cookie":"[redacted]"');
    expect(headers.authorization).toBe(`Bearer ${SECRET}1`);
  });

  it('drops the raw bytes of HTTP parser errors and censors headers carried by errors', () => {
    const { logger, text } = capture();
    const parserError = Object.assign(new Error('Parse Error: Invalid header value char'), {
      code: 'HPE_INVALID_HEADER_TOKEN',
      rawPacket: Buffer.from(`GET / HTTP/1.1\r\nCookie: sc_session=${SECRET}\r\n`),
    });
    logger.trace({ err: parserError }, 'client error');
    const withConfig = Object.assign(new Error('upstream failed'), {
      config: { headers: { Authorization: `Bearer ${SECRET}` } },
    });
    logger.error({ err: withConfig }, 'unhandled error');
    const written = text();
    expect(written).not.toContain('rawPacket');
    expect(written).not.toContain(SECRET);
    expect(written).toContain('HPE_INVALID_HEADER_TOKEN');
  });

  it("the error handler's log of an unknown error holds no credential", async () => {
    const { logger, text } = capture('info');
    const app = Fastify({ loggerInstance: logger }) as unknown as FastifyInstance;
    installErrorHandling(app);
    app.get('/boom', async () => {
      throw Object.assign(new Error('boom at /x?token=abc'), {
        request: { headers: { cookie: `sc_staff=${SECRET}` } },
      });
    });
    const r = await app.inject({ method: 'GET', url: `/boom?search=${SECRET}`, headers: { cookie: `a=${SECRET}` } });
    expect(r.statusCode).toBe(500);
    await app.close();
    expect(text()).toContain('unhandled error');
    expect(text()).not.toContain(SECRET);
    expect(text()).not.toContain('abc');
    // Sockets reuse the same mapping.
    toAppError(Object.assign(new Error('x'), { headers: { authorization: SECRET } }), logger, {
      event: 'message:send',
    });
    expect(text()).not.toContain(SECRET);
  });

  it('request logs carry the route pattern and query keys, never query values', () => {
    expect(
      requestLogUrl({ url: `/api/conversations?search=${SECRET}`, routeOptions: { url: '/api/conversations' } }),
    ).toBe('/api/conversations?search=');
    expect(
      requestLogUrl({
        url: `/api/staff/conversations/abc/messages?after=3&limit=9`,
        routeOptions: { url: '/api/staff/conversations/:id/messages' },
      }),
    ).toBe('/api/staff/conversations/:id/messages?after=&limit=');
    // Unmatched routes (and raw Node requests): the path, then the keys.
    expect(requestLogUrl({ url: `/nowhere?text=${SECRET}&text=again&b` })).toBe('/nowhere?text=&b=');
    expect(requestLogUrl({ url: '/plain' })).toBe('/plain');
    expect(redactQueryValues(`Route GET:/x?search=${SECRET}&a=1 not found`)).toBe('Route GET:/x?search=&a= not found');
  });

  it('strips query values from messages written by libraries', () => {
    const { logger, text } = capture();
    logger.info(`Route GET:/api/conversations?search=${SECRET} not found`);
    logger.info({ url: `/socket.io/?EIO=4&token=${SECRET}` }, 'with a url field');
    expect(text()).not.toContain(SECRET);
    expect(text()).toContain('/socket.io/?EIO=&token=');
  });
});
