/**
 * A small HTTP client for tests that behaves like a browser where it matters: it keeps cookies and sends
 * the page's Origin on writes. `withoutOrigin()` and `withOrigin()` let tests play a foreign site.
 */
export interface HttpResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export class HttpClient {
  readonly cookies = new Map<string, string>();
  private origin: string | undefined;
  private bearer: string | undefined;

  constructor(readonly baseUrl: string) {
    this.origin = new URL(baseUrl).origin;
  }

  withOrigin(origin: string | undefined): this {
    this.origin = origin;
    return this;
  }

  withBearer(token: string | undefined): this {
    this.bearer = token;
    return this;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    init: { headers?: Record<string, string>; raw?: string | Buffer | FormData } = {},
  ): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    if (this.cookies.size > 0) headers.cookie = this.cookieHeader();
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    if (this.origin && !['GET', 'HEAD'].includes(method)) headers.origin = this.origin;
    let payload: string | Buffer | FormData | undefined;
    if (init.raw !== undefined) payload = init.raw;
    else if (body !== undefined) {
      headers['content-type'] ??= 'application/json';
      payload = JSON.stringify(body);
    }
    const response = await fetch(new URL(path, this.baseUrl), { method, headers, body: payload, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  get<T = any>(path: string, init?: { headers?: Record<string, string> }) {
    return this.request<T>('GET', path, undefined, init);
  }
  post<T = any>(
    path: string,
    body?: unknown,
    init?: { headers?: Record<string, string>; raw?: string | Buffer | FormData },
  ) {
    return this.request<T>('POST', path, body, init);
  }
  put<T = any>(path: string, body?: unknown) {
    return this.request<T>('PUT', path, body);
  }
  patch<T = any>(path: string, body?: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  delete<T = any>(path: string, body?: unknown) {
    return this.request<T>('DELETE', path, body);
  }
}
