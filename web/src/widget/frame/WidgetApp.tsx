import { useCallback, useEffect, useState, type CSSProperties } from 'react';
import type { ConversationView } from '../../../../src/shared/conversations.js';
import { foregroundFor } from '../../../../src/shared/widget-color.js';
import type { AvailabilityState, ContactView, WidgetConfig } from '../../../../src/shared/widget.js';
import { api, ApiError } from '../../shared/api.js';
import { drafts } from '../../shared/chat/storage.js';
import { useSupportStatus } from '../../public/use-support-status.js';
import { onHostMessage, parentOrigin, postToHost } from './bridge.js';
import { ensureSession, restoreSession, site, storeToken, withSession } from './session.js';
import { resetWidgetSocket } from './socket.js';
import { StartView } from './StartView.js';
import { WidgetConversation } from './WidgetConversation.js';

const currentKey = `sc-widget-current:${site}`;
const remember = (id: string | null) => {
  try {
    if (id) localStorage.setItem(currentKey, id);
    else localStorage.removeItem(currentKey);
  } catch {
    // the conversation is still found through the list
  }
};
const remembered = () => {
  try {
    return localStorage.getItem(currentKey);
  } catch {
    return null;
  }
};

/**
 * The chat inside the host site's frame: the start form (or the offline message form), then the live conversation,
 * with the visitor and customer chat's own parts. Talks to the host page only through postMessage (bridge.ts).
 */
export function WidgetApp() {
  const [config, setConfig] = useState<WidgetConfig | null>(null);
  const [contact, setContact] = useState<ContactView | null>(null);
  const [conversationId, setConversationId] = useState<string | null | undefined>(undefined);
  const [identityEpoch, setIdentityEpoch] = useState(0);
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const { status } = useSupportStatus();

  /** Which conversation to show: the one shown last if it is still ours, else the open one, else the start form. */
  const pickConversation = useCallback(async () => {
    const [me, list] = await withSession(() =>
      Promise.all([
        api<{ contact: ContactView | null }>('GET', '/api/widget/me'),
        api<{ conversations: ConversationView[] }>('GET', '/api/conversations'),
      ]),
    );
    setContact(me.contact);
    const last = remembered();
    const shown =
      list.conversations.find((c) => c.id === last) ??
      list.conversations.find((c) => c.status === 'waiting' || c.status === 'active');
    setConversationId(shown?.id ?? null);
    remember(shown?.id ?? null);
    if (!shown) postToHost({ type: 'state', unread: 0, hasConversation: false });
  }, []);

  useEffect(() => {
    api<WidgetConfig>('GET', `/api/widget/config?site=${encodeURIComponent(site)}`).then(setConfig, (err: unknown) =>
      setProblem(err instanceof ApiError ? err.message : 'The chat is not available.'),
    );
    restoreSession()
      .then(pickConversation)
      .then(
        () => postToHost({ type: 'ready' }),
        () => setProblem('We cannot reach the chat right now. Please try again in a moment.'),
      );
  }, [pickConversation]);

  useEffect(
    () =>
      onHostMessage((message) => {
        if (message.type === 'visibility') setOpen(message.open);
        else if (message.type === 'identify') {
          withSession(() =>
            api<{ token: string | null; contact: ContactView }>('POST', '/api/widget/identify', {
              site,
              token: message.token,
            }),
          )
            .then(async (r) => {
              // null: this frame is that contact already and keeps its session (other tabs share it).
              if (r.token) {
                storeToken(r.token);
                resetWidgetSocket();
              }
              setIdentityEpoch((n) => n + 1);
              await pickConversation();
              postToHost({ type: 'identified', ok: true });
            })
            .catch((err: unknown) => {
              const e = err instanceof ApiError ? err : new ApiError(0, 'network_error', 'Identity check failed.');
              postToHost({ type: 'identified', ok: false, code: e.code, message: e.message });
            });
        } else if (message.type === 'reset') {
          // Sign out: this frame forgets the person (session ended on the server, drafts gone), and starts anew.
          void api('POST', '/api/customers/logout')
            .catch(() => undefined)
            .then(async () => {
              storeToken(null);
              resetWidgetSocket();
              remember(null);
              for (const scope of ['widget-start', 'widget-start-name', 'widget-start-email']) drafts.save(scope, '');
              setContact(null);
              setConversationId(null);
              setIdentityEpoch((n) => n + 1);
              await ensureSession();
              postToHost({ type: 'state', unread: 0, hasConversation: false });
            });
        }
      }),
    [pickConversation],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) postToHost({ type: 'close' });
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const live = status ?? config?.availability.status ?? null;
  const state: AvailabilityState | null = live
    ? !live.available
      ? 'closed'
      : live.agentsOnline === 0
        ? 'away'
        : 'online'
    : null;
  useEffect(() => {
    if (state) postToHost({ type: 'availability', state, nextAvailableAt: live?.nextAvailable?.at ?? null });
  }, [state, live?.nextAvailable?.at]);

  const color = config?.appearance.color ?? '#0d6efd';
  const style = { '--sc-widget-color': color, '--sc-widget-fg': foregroundFor(color) } as CSSProperties;
  const title = config?.appearance.title ?? 'Chat';
  useEffect(() => {
    document.title = `${title} · ${config?.serviceName ?? ''}`.replace(/ · $/, '');
  }, [title, config?.serviceName]);

  if (!parentOrigin && window.parent !== window) {
    // Embedded by a page that is not one of the site's origins (frame-ancestors stops this in browsers already).
    return (
      <main className="p-3">
        <h1 className="h6">Chat unavailable</h1>
        <p className="small mb-0">This page is not allowed to embed the chat.</p>
      </main>
    );
  }
  return (
    <div className="sc-widget" style={style}>
      <header className="sc-widget-header">
        <div className="me-auto">
          <h1 className="sc-widget-title">{title}</h1>
          {live && (
            <p className="sc-widget-status" role="status" aria-live="polite">
              <span
                className={`sc-status-dot ${state === 'online' ? 'sc-status-dot-online' : state === 'away' ? 'sc-status-dot-away' : ''}`}
                aria-hidden="true"
              />{' '}
              {state === 'online' ? 'Online now' : state === 'away' ? 'Away right now' : 'Offline'}
            </p>
          )}
        </div>
        <button
          type="button"
          className="sc-widget-close"
          aria-label="Close the chat"
          onClick={() => postToHost({ type: 'close' })}
        >
          ×
        </button>
      </header>
      <main className="sc-widget-main">
        {problem ? (
          <div className="alert alert-warning m-3" role="alert">
            {problem}
          </div>
        ) : conversationId === undefined || !config ? (
          <p className="p-3 text-body-secondary" role="status">
            Loading…
          </p>
        ) : conversationId === null ? (
          <StartView
            key={`${identityEpoch}:${contact?.name ?? ''}:${contact?.email ?? ''}`}
            config={config}
            status={live}
            state={state}
            contact={contact}
            onStarted={(id) => {
              remember(id);
              setConversationId(id);
            }}
          />
        ) : (
          <WidgetConversation
            key={`${identityEpoch}:${conversationId}`}
            id={conversationId}
            visible={open}
            onNew={() => {
              remember(null);
              setConversationId(null);
            }}
            onGone={() => {
              remember(null);
              setConversationId(null);
            }}
          />
        )}
      </main>
    </div>
  );
}
