import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { toAppError } from '../core/app-errors.js';
import { AppError, type ErrorCode } from '../shared/errors.js';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
};

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable',
};

/** Fastify's and its plugins' own client errors (bad JSON, body too large, schema validation…) as AppErrors. */
function fastifyError(err: unknown): AppError | undefined {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as { validationContext?: string }).validationContext ?? 'body';
    const fields = err.validation.map((v) => {
      // Our rule schemas carry a stable per-field code (e.g. message_too_long) in the params.
      const code = (v.params as { params?: { code?: unknown } } | undefined)?.params?.code;
      return {
        path: [where, ...v.instancePath.split('/').filter(Boolean)].join('.'),
        message: v.message ?? 'Invalid value',
        ...(typeof code === 'string' ? { code } : {}),
      };
    });
    return new AppError('validation_failed', undefined, { fields });
  }
  const fe = err as Partial<FastifyError> | undefined;
  if (fe && typeof fe.code === 'string' && FASTIFY_CODES[fe.code]) {
    return new AppError(FASTIFY_CODES[fe.code]!);
  }
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify and its plugins (rate limit, multipart, __proto__ poisoning) signal client errors this way.
    const code = STATUS_CODES[fe.statusCode] ?? 'bad_request';
    return new AppError(
      code,
      fe.statusCode === 429 || code === 'bad_request' ? safeMessage(fe.message, code) : undefined,
    );
  }
  return undefined;
}

/** Client-error messages from Fastify are safe to show (they describe the request, not the server). */
function safeMessage(message: string | undefined, code: ErrorCode): string | undefined {
  if (!message) return undefined;
  return code === 'rate_limited' ? 'Too many requests; please wait a moment.' : message.slice(0, 200);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(err, request.log, { reqId: request.id, route: request.routeOptions.url }, fastifyError);
    if (appError.isRetryable) void reply.header('retry-after', '1');
    const retryAfter = (appError.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
    return reply.status(appError.status).type('application/json; charset=utf-8').send(appError.toBody());
  });
}

/** A JSON 404 with a stable code for API paths and anything that is not a page of the web app. */
export function sendRouteNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply
    .status(404)
    .type('application/json; charset=utf-8')
    .send(
      new AppError('route_not_found', `No route for ${request.method} ${request.url.split('?')[0] ?? ''}`).toBody(),
    );
}
