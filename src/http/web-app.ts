import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { AppContext } from '../core/context.js';
import { webDistDir } from '../core/paths.js';
import { sendRouteNotFound } from './error-handler.js';
import type { Side } from '../core/sides.js';

/** Paths that are never pages of the web app: they answer JSON 404s. */
const NON_PAGE_PREFIXES = ['/api', '/socket.io', '/assets', '/metrics', '/healthz', '/readyz'];

/**
 * Serves the built browser app: hashed assets with a long cache, and the HTML shell for page routes
 * (the visitor/customer app on the public side, the staff app under /staff on the staff side).
 */
export function registerWebApp(app: FastifyInstance, ctx: AppContext, sides: readonly Side[]): void {
  const root = webDistDir();
  const readShell = (name: string): string | undefined => {
    const file = join(root, name);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  };
  const publicShell = sides.includes('public') ? readShell('index.html') : undefined;
  const staffShell = sides.includes('staff') ? readShell('staff.html') : undefined;

  if (existsSync(join(root, 'assets'))) {
    void app.register(fastifyStatic, {
      root: join(root, 'assets'),
      prefix: '/assets/',
      index: false,
      wildcard: false,
      // The build writes .br and .gz beside each asset (vite.config.ts): the smallest one the browser accepts is
      // sent with Content-Encoding and Vary: Accept-Encoding, else the file itself (identity).
      preCompressed: true,
      // Those variants are encodings of their asset, never addresses of their own.
      allowedPath: (pathName) => !/\.(br|gz)$/.test(pathName),
      // Every file here has a content hash in its name: a changed file is a new name.
      setHeaders(reply) {
        void reply.header('cache-control', 'public, max-age=31536000, immutable');
      },
    });
  } else {
    ctx.logger.warn({ root }, 'web app is not built (run `npm run build`); pages will say so');
  }

  const sendShell = (reply: FastifyReply, shell: string | undefined): FastifyReply => {
    if (shell === undefined) {
      return reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The web app is not built yet. Run `npm run build` (or `npm start`, which builds first).');
    }
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(shell);
  };

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/';
    const isPageRequest =
      (request.method === 'GET' || request.method === 'HEAD') &&
      !NON_PAGE_PREFIXES.some((p) => path === p || path.startsWith(p + '/')) &&
      (request.headers.accept ?? '').includes('text/html');
    if (!isPageRequest) return sendRouteNotFound(request, reply);
    const isStaffPath = path === '/staff' || path.startsWith('/staff/');
    if (isStaffPath && sides.includes('staff')) return sendShell(reply, staffShell);
    if (!isStaffPath && sides.includes('public')) return sendShell(reply, publicShell);
    if (!isStaffPath && path === '/' && sides.includes('staff')) return reply.redirect('/staff');
    return sendRouteNotFound(request, reply);
  });
}
