import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/config.js';
import { AppError } from '../../shared/errors.js';
import { isAllowedOrigin } from '../../core/origins.js';
import type { Side } from '../../core/sides.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF protection by origin check. A state change (any non-GET) that could ride on ambient cookies — it carries a
 * Cookie header, or comes from a browser (it has an Origin) — must come from one of our origins. Requests
 * authenticated by a bearer token are not cookie-driven and pass. State never changes over GET anywhere.
 */
export function installCsrfProtection(app: FastifyInstance, config: Config, sides: readonly Side[]): void {
  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method)) return;
    if (typeof request.headers.authorization === 'string' && /^Bearer\s/i.test(request.headers.authorization)) return;
    const hasCookies = typeof request.headers.cookie === 'string' && request.headers.cookie.length > 0;
    const origin = request.headers.origin;
    if (!hasCookies && origin === undefined) return;
    if (origin === undefined) {
      // Old browsers omit Origin on same-origin POSTs; Fetch Metadata still tells us.
      if (request.headers['sec-fetch-site'] === 'same-origin') return;
      throw new AppError('csrf_failed');
    }
    if (!sides.some((side) => isAllowedOrigin(config, side, request.raw))) throw new AppError('csrf_failed');
  });
}
