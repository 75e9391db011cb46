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

/** JSON request to our own API. Cookies ride along (same origin); errors become ApiError. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { 'content-type': 'application/json', accept: 'application/json' },
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
