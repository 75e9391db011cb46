import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { AppContext } from '../core/context.js';
import { installErrorHandling } from './error-handler.js';
import { closeConnectionsWithoutRequest, connectionServerOptions } from './connection-timeouts.js';
import { installCsrfProtection } from './auth/csrf.js';
import type { Side } from '../core/sides.js';
import { routeModules } from './routes/index.js';
import type { TypedApp } from './routes/route-module.js';
import { documentRouteAuth, SECURITY_SCHEMES } from './auth/route-auth.js';
import { redisWithFallbackStore } from './rate-limit-store.js';
import { registerWebApp } from './web-app.js';

export const API_BODY_LIMIT = 1024 * 1024;

/**
 * Builds the Fastify server for one side of the product. With a single port the one server carries both
 * sides; with STAFF_PORT the public server carries visitor/customer routes and the staff server the rest.
 */
export async function createHttpServer(ctx: AppContext, sides: readonly Side[]): Promise<FastifyInstance> {
  const { config } = ctx;
  const options = {
    loggerInstance: ctx.logger,
    // A number is a hop count (Fastify supports it; its types omit it).
    trustProxy: config.trustProxy as boolean | string[],
    bodyLimit: API_BODY_LIMIT,
    genReqId: () => randomUUID(),
    logController: new LogController({ requestIdLogLabel: 'reqId', disableRequestLogging: config.env === 'test' }),
    // Fastify sets requestTimeout on the server after creating it (0, off, by default): give it ours.
    requestTimeout: config.http.requestTimeoutMs,
    ...(config.tls
      ? {
          https: {
            cert: readFileSync(config.tls.certFile),
            key: readFileSync(config.tls.keyFile),
            ...connectionServerOptions(config.http, true),
          },
        }
      : { http: connectionServerOptions(config.http, false) }),
    // JSON with __proto__ or constructor.prototype keys is refused (400), never merged.
    onProtoPoisoning: 'error' as const,
    onConstructorPoisoning: 'error' as const,
    routerOptions: { ignoreTrailingSlash: true },
  };
  // HTTPS and HTTP servers behave the same for us; type the instance as the common HTTP one.
  const app = (
    Fastify(options as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance
  ).withTypeProvider<ZodTypeProvider>() as unknown as TypedApp;
  closeConnectionsWithoutRequest(app.server, config.http.headersTimeoutMs, config.tls !== undefined);

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    ctx.metrics.httpRequests.inc(labels);
    ctx.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        mediaSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(config.tls ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    hsts: config.tls ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
  });
  await app.register(cookie);
  // Multipart bodies are parsed only by the upload routes, streaming, with per-request limits (upload-body.ts);
  // these defaults are the strict fallback for anything else that would call the parser.
  await app.register(multipart, {
    limits: { fileSize: 1, files: 1, fields: 10, fieldSize: 1024, parts: 20, headerPairs: 100 },
  });
  installCsrfProtection(app as unknown as FastifyInstance, config, sides);
  // Per-route limits (config.rateLimit on a route); counters in Redis when configured, shared by all instances,
  // and in this instance's memory while Redis is unreachable (never no limit).
  await app.register(rateLimit, {
    global: false,
    ...(ctx.redis
      ? {
          store: redisWithFallbackStore(ctx.redis, `${config.redis?.keyPrefix ?? 'sc'}:http-rl:`, ctx.logger),
          skipOnError: false,
        }
      : {}),
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Support Central API',
        version: '1',
        description:
          'REST API of Support Central. Errors are always `{error:{code,message,details?}}`. Every operation says ' +
          'who may call it (`x-auth`: public, session, or session-or-token with `x-required-scope`); API tokens ' +
          'are created in Admin → API tokens (docs/integrations.md).',
      },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  // Before the routes: each operation's authentication, from its `config.auth` (route-auth.ts).
  documentRouteAuth(app as unknown as FastifyInstance);
  for (const module of routeModules) {
    if (module.sides.some((s) => sides.includes(s))) {
      await app.register(async (scope) => module.register(scope, ctx));
    }
  }

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerWebApp(app as unknown as FastifyInstance, ctx, sides);
  return app as unknown as FastifyInstance;
}
