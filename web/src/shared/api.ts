import type { ErrorBody, FieldProblem } from '../../../src/shared/errors.js';

/** An API failure as the UI shows it: a stable code, a human message, and per-field problems. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /**
   * Field problems keyed by their whole path without the request part ("body.days.monday.0.end" →
   * "days.monday.0.end"), for forms with repeated fields.
   */
  get fieldPaths(): Record<string, string> {
    const list = (this.details as { fields?: FieldProblem[] } | undefined)?.fields ?? [];
    const out: Record<string, string> = {};
    for (const f of list) out[f.path.replace(/^(body|query|params)\./, '')] ??= f.message;
    return out;
  }

  /** Field problems keyed by the last path segment ("body.email" → "email"), for inline form errors. */
  get fields(): Record<string, string> {
    const list = (this.details as { fields?: FieldProblem[] } | undefined)?.fields ?? [];
    const out: Record<string, string> = {};
    for (const f of list) {
      const key = f.path.split('.').pop() ?? f.path;
      out[key] ??= f.message;
    }
    return out;
  }
}

let bearer: (() => string | null) | undefined;

/**
 * Authenticates every request of this page with a bearer token instead of cookies (the embedded widget: cookies
 * in a third-party frame are blocked or partitioned, so its session lives in the frame's own storage).
 */
export function authenticateWithBearer(token: () => string | null): void {
  bearer = token;
}

/** The headers that authenticate a request of this page (none: the cookie does it; or the bearer token). */
export function authHeaders(): Record<string, string> {
  const token = bearer?.();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Whether this page authenticates with a bearer token (links and images cannot carry it: fetch them instead). */
export function isBearerAuth(): boolean {
  return bearer !== undefined;
}

/** JSON request to our own API. Cookies ride along (same origin); errors become ApiError. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: bearer ? 'omit' : 'same-origin',
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...authHeaders(),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'Cannot reach the server. Check your connection and try again.');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let data: unknown;
  try {
    data = text === '' ? undefined : JSON.parse(text);
  } catch {
    data = undefined;
  }
  if (!response.ok) {
    const e = (data as ErrorBody | undefined)?.error;
    throw new ApiError(
      response.status,
      e?.code ?? 'http_' + response.status,
      e?.message ?? response.statusText,
      e?.details,
    );
  }
  return data as T;
}
