import { api, ApiError } from '../../shared/api.js';
import { onHostMessage, parentOrigin, postToHost } from './bridge.js';

/**
 * The frame's visitor session: a bearer token, never a cookie (cookies in a third-party frame are blocked or
 * partitioned). It lives in the frame's own localStorage, partitioned per host site and unreadable by the host page.
 * Browsers that deny a third-party frame any storage (Chromium with third-party cookies blocked, incognito) get the
 * fallback: the loader keeps the token in the host page's storage and hands it back when the frame loads. The host
 * site could read it there; for a signed-in contact that reveals nothing the site cannot get anyway (it holds the
 * secret that signs its users in), and for an anonymous visitor it is that visitor's own chat on that site.
 */
export const site = new URLSearchParams(location.search).get('site') ?? '';
const key = `sc-widget-token:${site}`;

const ownStorage: Storage | null = (() => {
  try {
    const s = window.localStorage;
    s.setItem(`${key}:probe`, '1');
    s.removeItem(`${key}:probe`);
    return s;
  } catch {
    return null;
  }
})();

let token: string | null = ownStorage?.getItem(key) ?? null;

/** The session token; read from storage each time, so several tabs of one site converge on the newest one. */
export function currentToken(): string | null {
  if (ownStorage) token = ownStorage.getItem(key);
  return token;
}

/** Where the session is kept: 'frame' (own storage), 'host' (the loader keeps it), 'memory' (this page load). */
export const sessionHome: 'frame' | 'host' | 'memory' = ownStorage ? 'frame' : parentOrigin ? 'host' : 'memory';

export function storeToken(next: string | null): void {
  token = next;
  if (ownStorage) {
    if (next) ownStorage.setItem(key, next);
    else ownStorage.removeItem(key);
  } else postToHost({ type: 'persist', session: next });
}

/** Resolves once the session kept by the loader (if any) is back; at once when the frame has its own storage. */
export function restoreSession(): Promise<void> {
  if (sessionHome !== 'host') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, 2_000);
    const off = onHostMessage((m) => {
      if (m.type !== 'restore') return;
      if (typeof m.session === 'string' && m.session.length <= 200) token = m.session;
      done();
    });
    function done() {
      clearTimeout(timer);
      off();
      resolve();
    }
    postToHost({ type: 'needSession' });
  });
}

/** A visitor session for this frame: the stored one, or a new anonymous one. */
export async function ensureSession(): Promise<void> {
  if (currentToken()) return;
  const r = await api<{ token: string }>('POST', '/api/visitor/session', { transport: 'bearer' });
  storeToken(r.token);
}

/** Runs `call`; a session that ended meanwhile (401) is replaced by a fresh anonymous one, and the call retried. */
export async function withSession<T>(call: () => Promise<T>): Promise<T> {
  await ensureSession();
  const used = currentToken();
  try {
    return await call();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      // Another tab may have stored a newer session meanwhile: use it; else start a fresh anonymous one.
      if (currentToken() === used) storeToken(null);
      await ensureSession();
      return call();
    }
    throw err;
  }
}
