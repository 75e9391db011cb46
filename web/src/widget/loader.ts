/**
 * The widget loader: the one script a host page includes (`<script src="…/widget.js" data-site="…" async>`).
 * Plain DOM, no framework, no imports at run time (it is built as one classic script, wrapped in a function: it
 * declares no globals but `window.SupportCentral`). It draws the launcher in a shadow root (no CSS leaks
 * either way), asks the server whether this page's origin may embed the chat (and says so in the console when not),
 * loads the chat frame lazily, and relays the small JS API to the frame over postMessage with exact origins.
 */
import type { BridgeBody, FrameToHost, HostToFrame, WidgetConfig } from '../../../src/shared/widget.js';
import { foregroundFor } from '../../../src/shared/widget-color.js';

type EventName = 'message' | 'open' | 'close' | 'unread' | 'ready';
type Listener = (payload?: unknown) => void;

interface SupportCentralApi {
  open(): void;
  close(): void;
  toggle(): void;
  identify(signedToken: string): void;
  reset(): void;
  on(event: EventName, callback: Listener): () => void;
  readonly version: 1;
}

const PREFIX = 'Support Central widget:';
const w = window as unknown as { SupportCentral?: SupportCentralApi };

function boot(): void {
  if (w.SupportCentral) return; // included twice: the first one wins
  const script = document.currentScript as HTMLScriptElement | null;
  const site = script?.dataset.site ?? '';
  if (!script || !site) {
    console.error(`${PREFIX} the script tag needs data-site="…" (copy the snippet from Admin → Widget).`);
    return;
  }
  const base = new URL(script.src, location.href).origin;
  // The host page the chat was opened on, for the agents' contact panel ("started on"); without its fragment.
  const hostPage = location.href.split('#')[0]!.slice(0, 2048);
  const frameUrl = `${base}/widget/frame?site=${encodeURIComponent(site)}&page=${encodeURIComponent(hostPage)}`;
  const flagKey = `sc-widget:${site}:active`;
  // Only for browsers that deny the frame its own storage (see the frame's session.ts).
  const sessionKey = `sc-widget:${site}:session`;

  const listeners: Record<string, Listener[]> = {};
  const emit = (event: EventName, payload?: unknown) => {
    for (const cb of listeners[event] ?? []) {
      try {
        cb(payload);
      } catch (err) {
        console.error(`${PREFIX} an on('${event}') callback threw`, err);
      }
    }
  };

  let config: WidgetConfig | null = null;
  let refused = false;
  let isOpen = false;
  let frame: HTMLIFrameElement | null = null;
  let frameReady = false;
  let pendingIdentity: string | null = null;
  let pendingReset = false;
  let unread = 0;
  let hasConversation = readFlag();
  let availability: { state: string; nextAvailableAt: string | null } | null = null;

  function keptSession(): string | null {
    try {
      return localStorage.getItem(sessionKey);
    } catch {
      return null;
    }
  }
  function keepSession(session: string | null): void {
    try {
      if (session) localStorage.setItem(sessionKey, session);
      else localStorage.removeItem(sessionKey);
    } catch {
      // the chat then lasts as long as the page
    }
  }

  function readFlag(): boolean {
    try {
      return localStorage.getItem(flagKey) === '1';
    } catch {
      return false;
    }
  }
  function writeFlag(on: boolean): void {
    try {
      if (on) localStorage.setItem(flagKey, '1');
      else localStorage.removeItem(flagKey);
    } catch {
      // the launcher then loads the chat on first open only
    }
  }

  // The launcher and the panel live in a shadow root: the host's CSS cannot reach in, ours cannot leak out. (Open: it
  // holds nothing secret; the chat itself is in the frame, another origin, which the host page cannot read.)
  const host = document.createElement('div');
  host.setAttribute('data-support-central', '');
  const root = host.attachShadow({ mode: 'open' });
  const css = `
    :host { all: initial; }
    .wrap { position: fixed; bottom: 20px; z-index: 2147483000; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    .wrap.right { right: 20px; } .wrap.left { left: 20px; }
    .launcher { width: 60px; height: 60px; border-radius: 50%; border: 0; cursor: pointer; display: grid; place-items: center;
      box-shadow: 0 4px 14px rgba(0,0,0,.25); position: relative; padding: 0; }
    .launcher:focus-visible { outline: 3px solid #111; outline-offset: 3px; box-shadow: 0 0 0 6px #fff; }
    .launcher svg { width: 28px; height: 28px; }
    .badge { position: absolute; top: -4px; right: -4px; min-width: 22px; height: 22px; padding: 0 6px; box-sizing: border-box;
      border-radius: 11px; background: #b02a37; color: #fff; font: 700 12px/22px system-ui, sans-serif; text-align: center; }
    .badge[hidden], .note[hidden], .panel[hidden], .launcher[hidden] { display: none; }
    .note { position: absolute; bottom: 70px; white-space: nowrap; background: #fff; color: #212529; border-radius: 8px;
      padding: 6px 10px; box-shadow: 0 2px 10px rgba(0,0,0,.2); font-size: 13px; }
    .right .note { right: 0; } .left .note { left: 0; }
    .panel { position: fixed; bottom: 92px; width: 380px; height: min(640px, calc(100vh - 112px)); border-radius: 14px;
      overflow: hidden; box-shadow: 0 8px 30px rgba(0,0,0,.3); background: #fff; }
    .right .panel { right: 20px; } .left .panel { left: 20px; }
    .panel iframe { border: 0; width: 100%; height: 100%; display: block; }
    @media (max-width: 480px) {
      .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; bottom: 0; }
      .wrap.open .launcher { display: none; }
    }`;
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } catch {
    const style = document.createElement('style');
    style.textContent = css;
    root.appendChild(style);
  }
  const wrap = document.createElement('div');
  wrap.className = 'wrap right';
  const panel = document.createElement('div');
  panel.className = 'panel';
  panel.hidden = true;
  const note = document.createElement('div');
  note.className = 'note';
  note.id = 'sc-widget-note';
  note.hidden = true;
  const launcher = document.createElement('button');
  launcher.type = 'button';
  launcher.className = 'launcher';
  launcher.setAttribute('aria-expanded', 'false');
  const svgNs = 'http://www.w3.org/2000/svg';
  const icon = document.createElementNS(svgNs, 'svg');
  icon.setAttribute('viewBox', '0 0 24 24');
  icon.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(svgNs, 'path');
  path.setAttribute('fill', 'currentColor');
  path.setAttribute('d', 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z');
  icon.appendChild(path);
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.hidden = true;
  launcher.append(icon, badge);
  launcher.addEventListener('click', () => (isOpen ? close() : open()));
  wrap.append(panel, note, launcher);
  root.appendChild(wrap);

  function render(): void {
    if (!config) return;
    const a = config.appearance;
    wrap.className = `wrap ${a.position}${isOpen ? ' open' : ''}`;
    launcher.style.background = a.color;
    launcher.style.color = foregroundFor(a.color);
    const label = `${isOpen ? 'Close' : 'Open'} the chat: ${a.title}`;
    launcher.setAttribute('aria-label', unread > 0 ? `${label} (${unread} unread)` : label);
    launcher.setAttribute('aria-expanded', String(isOpen));
    badge.hidden = unread === 0 || isOpen;
    badge.textContent = unread > 9 ? '9+' : String(unread);
    const state = availability?.state ?? config.availability.state;
    const offline = state !== 'online';
    // The admin's choice while nobody can answer; a visitor with a conversation always keeps the launcher.
    launcher.hidden = offline && a.offlineBehavior === 'hide' && !hasConversation && !isOpen;
    const next = availability ? availability.nextAvailableAt : (config.availability.status.nextAvailable?.at ?? null);
    note.hidden = isOpen || !offline || a.offlineBehavior !== 'next_opening';
    note.textContent = next ? `Back ${formatLocal(next)} your time` : 'Away right now: leave us a message';
    if (note.hidden) launcher.removeAttribute('aria-describedby');
    else launcher.setAttribute('aria-describedby', note.id);
  }

  /** "on Monday 8:00 AM" in the visitor's own timezone and language. */
  function formatLocal(iso: string): string {
    const d = new Date(iso);
    const time = d.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
    const today = new Date();
    if (d.toDateString() === today.toDateString()) return `today at ${time}`;
    return `on ${d.toLocaleDateString([], { weekday: 'long' })} ${time}`;
  }

  function post(message: BridgeBody<HostToFrame>): void {
    frame?.contentWindow?.postMessage({ sc: 'widget', ...message }, base);
  }

  function ensureFrame(): void {
    if (frame || refused) return;
    frame = document.createElement('iframe');
    frame.src = frameUrl;
    frame.title = config ? `Chat: ${config.appearance.title}` : 'Chat';
    // The frame learns which page embeds it from the referrer's origin (never the path).
    frame.referrerPolicy = 'origin';
    frame.setAttribute('allow', 'autoplay');
    panel.appendChild(frame);
  }

  function open(): void {
    if (refused || !config) return;
    ensureFrame();
    isOpen = true;
    panel.hidden = false;
    post({ type: 'visibility', open: true });
    render();
    frame?.focus();
    emit('open');
  }

  function close(): void {
    if (!isOpen) return;
    isOpen = false;
    panel.hidden = true;
    post({ type: 'visibility', open: false });
    render();
    launcher.focus();
    emit('close');
  }

  window.addEventListener('message', (event: MessageEvent) => {
    if (!frame || event.source !== frame.contentWindow || event.origin !== base) return;
    const data = event.data as FrameToHost | null;
    if (!data || data.sc !== 'widget') return;
    switch (data.type) {
      case 'ready':
        frameReady = true;
        post({ type: 'visibility', open: isOpen });
        if (pendingReset) post({ type: 'reset' });
        if (pendingIdentity) post({ type: 'identify', token: pendingIdentity });
        pendingReset = false;
        pendingIdentity = null;
        emit('ready');
        break;
      case 'needSession':
        post({ type: 'restore', session: keptSession() });
        break;
      case 'persist':
        keepSession(typeof data.session === 'string' ? data.session : null);
        break;
      case 'state':
        if (data.unread !== unread) emit('unread', { count: data.unread });
        unread = data.unread;
        hasConversation = data.hasConversation;
        writeFlag(hasConversation);
        render();
        break;
      case 'close':
        close();
        break;
      case 'identified':
        if (!data.ok)
          console.error(`${PREFIX} identify() was refused (${data.code ?? 'error'}): ${data.message ?? ''}`);
        break;
      case 'availability':
        availability = { state: data.state, nextAvailableAt: data.nextAvailableAt };
        render();
        break;
      case 'message':
        emit('message', data.message);
        break;
    }
  });

  async function loadConfig(): Promise<void> {
    let response: Response;
    try {
      response = await fetch(`${base}/api/widget/config?site=${encodeURIComponent(site)}`, { credentials: 'omit' });
    } catch {
      console.error(`${PREFIX} cannot reach ${base}; the chat is not shown.`);
      return;
    }
    if (response.status === 404) {
      refused = true;
      console.error(`${PREFIX} there is no site "${site}" on ${base}: copy the snippet again from Admin → Widget.`);
      return;
    }
    if (!response.ok) {
      console.error(`${PREFIX} ${base} answered ${response.status}; the chat is not shown.`);
      return;
    }
    config = (await response.json()) as WidgetConfig;
    if (config.allowed === false) {
      refused = true;
      console.error(`${PREFIX} ${config.refusal ?? 'this page may not embed the chat.'}`);
      host.remove();
      return;
    }
    availability = null;
    if (!host.isConnected) document.body.appendChild(host);
    render();
    // A visitor with a conversation (or a signed-in user) gets the chat loaded in the background: live unread badge.
    if (hasConversation || pendingIdentity) ensureFrame();
  }

  const api: SupportCentralApi = {
    version: 1,
    open,
    close,
    toggle: () => (isOpen ? close() : open()),
    identify(signedToken: string) {
      if (typeof signedToken !== 'string' || signedToken === '') {
        console.error(`${PREFIX} identify() needs the token your server signed (see docs/widget.md).`);
        return;
      }
      if (frameReady) post({ type: 'identify', token: signedToken });
      else {
        pendingIdentity = signedToken;
        if (config && !refused) ensureFrame();
      }
    },
    reset() {
      pendingIdentity = null;
      keepSession(null);
      unread = 0;
      hasConversation = false;
      writeFlag(false);
      if (frameReady) post({ type: 'reset' });
      else if (frame) pendingReset = true;
      render();
    },
    on(event, callback) {
      (listeners[event] ??= []).push(callback);
      return () => {
        listeners[event] = (listeners[event] ?? []).filter((cb) => cb !== callback);
      };
    },
  };
  Object.defineProperty(window, 'SupportCentral', { value: Object.freeze(api), configurable: false, writable: false });

  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && isOpen) close();
  });
  // Until the frame is loaded (it pushes availability live), the launcher re-reads it now and then.
  const refresh = () => {
    if (document.visibilityState === 'visible' && config && !frame && !refused) void loadConfig();
  };
  document.addEventListener('visibilitychange', refresh);
  setInterval(refresh, 5 * 60_000);
  if (document.body) void loadConfig();
  else document.addEventListener('DOMContentLoaded', () => void loadConfig());
}

boot();
