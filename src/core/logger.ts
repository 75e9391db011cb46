import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from '../config/config.js';

export type { Logger };

const CENSOR = '[redacted]';

/**
 * Paths never written to logs: credentials, session cookies, and any message or file content.
 * Services log ids and codes, not bodies; this list and `scrubLogValue` below are the safety net.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.body',
  '*.text',
  '*.key',
];

/** Request headers and fields that carry a credential, whatever object they sit in (lower case). */
const SECRET_KEYS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'apikey',
  'x-auth-token',
  'x-access-token',
  'x-refresh-token',
  'x-csrf-token',
  'x-xsrf-token',
  'x-session-token',
  'x-amz-security-token',
  'password',
  'passwordconfirmation',
  'currentpassword',
  'newpassword',
  'newpasswordconfirmation',
  'token',
  'secret',
  // User content: message bodies and text never appear in logs (encrypted at rest, never a plaintext copy here).
  'body',
  'text',
  'key',
]);
/** Any other header-like name (with a dash) that mentions a credential: x-my-api-key, x-signature-token… */
const SECRET_WORD = /auth|token|secret|passw|cookie|session|signature|credential|api-?key/;

export function isSecretLogKey(key: string): boolean {
  const k = key.toLowerCase();
  return SECRET_KEYS.has(k) || (k.includes('-') && SECRET_WORD.test(k));
}

/**
 * A URL (or any text holding one) with every query value removed: `/x?search=hello&page=2` → `/x?search=&page=`.
 * Query values carry user text (a history search, a message-log filter); the keys say enough to debug.
 */
export function redactQueryValues(text: string): string {
  if (!text.includes('?')) return text;
  return text.replace(/([?&][^=&#\s"'?]*)=[^&#\s"']*/g, '$1=');
}

/** The route pattern (or the path) of a request with its query keys and no values, for request logs. */
export function requestLogUrl(req: { url?: unknown; routeOptions?: { url?: unknown } }): string {
  const raw = typeof req.url === 'string' ? req.url : '';
  const q = raw.indexOf('?');
  const pattern = req.routeOptions?.url;
  const path = typeof pattern === 'string' && pattern !== '' ? pattern : q === -1 ? raw : raw.slice(0, q);
  if (q === -1) return path;
  let keys: string[];
  try {
    keys = [...new Set(new URLSearchParams(raw.slice(q + 1)).keys())];
  } catch {
    keys = [];
  }
  return keys.length === 0 ? path : `${path}?${keys.map((k) => `${encodeURIComponent(k)}=`).join('&')}`;
}

const MAX_DEPTH = 8;

/**
 * A copy of a logged value with every secret field censored and query values cut from URL-named fields, at any
 * depth (an options object passed to a library may hold the request's headers three levels down). Only plain
 * objects and arrays are walked; class instances go through the serializers. Unchanged values are returned as is.
 */
export function scrubLogValue(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const next = scrubLogValue(item, depth + 1);
      if (next !== item) (copy ??= [...value])[i] = next;
    });
    return copy ?? value;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const item = record[key];
    let next: unknown;
    if (item === undefined || item === null) next = item;
    else if (isSecretLogKey(key)) next = CENSOR;
    else if (typeof item === 'string') next = /url$/i.test(key) ? redactQueryValues(item) : item;
    else next = scrubLogValue(item, depth + 1);
    if (next !== item) (copy ??= { ...record })[key] = next;
  }
  return copy ?? value;
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  routeOptions?: { url?: string };
  socket?: { remoteAddress?: string; remotePort?: number } | null;
}

/**
 * Serializers for every key Fastify, its plugins and we log objects under: a request is its method, route
 * pattern and query keys, never its headers or query values; an error loses what would echo the request back.
 */
const serializers = {
  req(req: LoggedRequest) {
    return {
      method: req.method,
      url: requestLogUrl(req),
      host: req.host,
      remoteAddress: req.ip ?? req.socket?.remoteAddress,
      remotePort: req.socket?.remotePort,
    };
  },
  err(err: unknown) {
    const out = pino.stdSerializers.err(err as Error) as unknown;
    if (out === null || typeof out !== 'object') return out;
    // Node's HTTP parser errors carry the raw bytes received (`rawPacket`), headers and cookies included.
    const { rawPacket: _raw, ...rest } = out as Record<string, unknown>;
    if (typeof rest.message === 'string') rest.message = redactQueryValues(rest.message);
    if (typeof rest.stack === 'string') rest.stack = redactQueryValues(rest.stack);
    return scrubLogValue(rest);
  },
};

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: CENSOR },
      base: { pid: process.pid },
      serializers,
      formatters: {
        bindings: (bindings) => scrubLogValue(bindings) as Record<string, unknown>,
        log: (object) => scrubLogValue(object) as Record<string, unknown>,
      },
      hooks: {
        // Messages are text too: a library that writes a URL into its message keeps the path, not the values.
        logMethod(args, method) {
          for (let i = 0; i < args.length; i++) {
            const arg: unknown = args[i];
            if (typeof arg === 'string') args[i] = redactQueryValues(arg);
          }
          method.apply(this, args as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
