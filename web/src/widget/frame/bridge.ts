import type { BridgeBody, FrameToHost, HostToFrame } from '../../../../src/shared/widget.js';

/**
 * The frame's side of postMessage with the host page. The server names the site's origins in a meta tag (the same
 * list as the page's frame-ancestors); the parent must be one of them, and messages go to that exact origin only
 * and are taken only from the parent window at that origin. A page that is not the site's talks to nobody.
 */
const allowed = (document.querySelector('meta[name="sc-widget-origins"]')?.getAttribute('content') ?? '')
  .split(' ')
  .filter(Boolean);

function detectParentOrigin(): string | null {
  if (window.parent === window) return null;
  const ancestors = (location as Location & { ancestorOrigins?: DOMStringList }).ancestorOrigins;
  let origin: string | null = ancestors && ancestors.length > 0 ? ancestors[0]! : null;
  if (!origin && document.referrer) {
    try {
      origin = new URL(document.referrer).origin;
    } catch {
      origin = null;
    }
  }
  return origin && allowed.includes(origin) ? origin : null;
}

export const parentOrigin = detectParentOrigin();

export function postToHost(message: BridgeBody<FrameToHost>): void {
  if (parentOrigin) window.parent.postMessage({ sc: 'widget', ...message }, parentOrigin);
}

export function onHostMessage(handler: (message: HostToFrame) => void): () => void {
  const listener = (event: MessageEvent) => {
    if (!parentOrigin || event.source !== window.parent || event.origin !== parentOrigin) return;
    const data = event.data as Partial<HostToFrame> | null;
    if (typeof data !== 'object' || data === null || data.sc !== 'widget' || typeof data.type !== 'string') return;
    handler(data as HostToFrame);
  };
  window.addEventListener('message', listener);
  return () => window.removeEventListener('message', listener);
}
