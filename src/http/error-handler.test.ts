import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../shared/errors.js';
import { installErrorHandling } from './error-handler.js';

// The mapping from every kind of failure to the one JSON error shape, on a bare Fastify with our handler.
describe('error handling', () => {
  const app = Fastify({
    bodyLimit: 100,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  }).withTypeProvider<ZodTypeProvider>();
  beforeAll(async () => {
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    installErrorHandling(app);
    app.post(
      '/echo',
      { schema: { body: z.strictObject({ name: z.string().min(2), age: z.number().int() }) } },
      async (req) => req.body,
    );
    app.get('/boom', async () => {
      throw new Error('secret internals: password=hunter2');
    });
    app.get('/gone', async () => {
      throw new AppError('not_found');
    });
    app.get('/db', async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    });
    await app.ready();
  });
  afterAll(() => app.close());

  it('answers validation problems with 400 validation_failed and the fields', async () => {
    const r = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'x', age: 'old', extra: 1 } });
    expect(r.statusCode).toBe(400);
    const body = r.json();
    expect(body.error.code).toBe('validation_failed');
    const paths = body.error.details.fields.map((f: { path: string }) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['body.name', 'body.age']));
  });

  it('answers malformed JSON with 400 invalid_json', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('invalid_json');
  });

  it('refuses __proto__ keys with a 4xx, never merging them', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: '{"name":"ok","age":1,"__proto__":{"isAdmin":true}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('invalid_json');
  });

  it('answers a wrong content type with 415 and an oversized body with 413', async () => {
    const wrongType = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: 'name=x',
      headers: { 'content-type': 'text/csv' },
    });
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json().error.code).toBe('unsupported_media_type');
    const big = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'x'.repeat(500), age: 1 } });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('payload_too_large');
  });

  it('hides internals behind a generic 500', async () => {
    const r = await app.inject({ method: 'GET', url: '/boom' });
    expect(r.statusCode).toBe(500);
    expect(r.json()).toEqual({ error: { code: 'internal_error', message: 'Something went wrong on our side.' } });
    expect(r.body).not.toContain('hunter2');
  });

  it('passes AppErrors through with their status', async () => {
    const r = await app.inject({ method: 'GET', url: '/gone' });
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe('not_found');
  });

  it('turns an unreachable database into a retryable 503', async () => {
    const r = await app.inject({ method: 'GET', url: '/db' });
    expect(r.statusCode).toBe(503);
    expect(r.json().error.code).toBe('database_unavailable');
    expect(r.headers['retry-after']).toBe('1');
  });
});
