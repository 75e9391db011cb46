import { useCallback, useRef, useEffect, useState } from 'react';
import type { CannedReplyView } from '../../../../src/shared/canned.js';
import type { MessageView, StaffConversationView } from '../../../../src/shared/conversations.js';
import type { DeskConversationItem, QueueItem } from '../../../../src/shared/desk.js';
import { api } from '../../shared/api.js';
import { useBranding } from '../../shared/use-branding.js';
import { useStaffSession } from '../session.js';
import { ConversationPane } from './ConversationPane.js';
import { askDesktopPermission, chime, desktopNotify, loadPrefs, savePrefs, type AlertPrefs } from './notifications.js';
import { staffSocket } from './staff-socket.js';
import { useDesk } from './use-desk.js';
import { ContactPanel } from './ContactPanel.js';
import { AvailabilitySwitch } from './RoutingControls.js';
import { deskTitle, setWaitingFavicon } from './tab-badge.js';
import { DeskSearch, SnoozedList } from './tools/DeskSearch.js';

const TABS_KEY = 'sc-desk-tabs';
/** Tab labels survive a reload even for conversations no list knows any more. */
const TAB_NAMES_KEY = 'sc-desk-tab-names';

function loadJson<T>(key: string, fallback: T): T {
  try {
    return (JSON.parse(localStorage.getItem(key) ?? 'null') as T | null) ?? fallback;
  } catch {
    return fallback;
  }
}

function waited(since: string, now: number): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(since)) / 60_000));
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The agent desk: the live queue and counters on the left, conversations as tabs on the right. */
export function DeskPage() {
  const { me } = useStaffSession();
  const branding = useBranding();
  const [prefs, setPrefs] = useState<AlertPrefs>(loadPrefs);
  const desk = useDesk(prefs);
  const [canned, setCanned] = useState<CannedReplyView[]>([]);
  const [tabs, setTabs] = useState<string[]>(() => loadJson<string[]>(TABS_KEY, []));
  const [activeTab, setActiveTab] = useState<string | undefined>(tabs[0]);
  const [unread, setUnread] = useState<Record<string, number>>({});
  const [names, setNames] = useState<Record<string, string>>(() => loadJson(TAB_NAMES_KEY, {}));
  /** Said once when a chat closes and leaves the tab bar (by anyone, or found closed after a reload). */
  const [notice, setNotice] = useState<string>();
  /** Bumped when a conversation's routing changes, so its contact panel reloads. */
  const [panelVersion, setPanelVersion] = useState<Record<string, number>>({});
  const [now, setNow] = useState(Date.now());
  const [view, setView] = useState<'mine' | 'active' | 'snoozed'>('mine');
  // Bumped when a conversation is snoozed or wakes: the lists move it between "mine" and "snoozed".
  const [snoozeVersion, setSnoozeVersion] = useState(0);
  const { refreshLists } = desk;
  useEffect(() => {
    const socket = staffSocket();
    const onSnooze = () => {
      setSnoozeVersion((v) => v + 1);
      void refreshLists();
    };
    socket.on('conversation:snooze', onSnooze);
    return () => {
      socket.off('conversation:snooze', onSnooze);
    };
  }, [refreshLists]);

  useEffect(() => {
    api<{ cannedReplies: CannedReplyView[] }>('GET', '/api/staff/canned-replies').then(
      (r) => setCanned(r.cannedReplies),
      () => undefined,
    );
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => localStorage.setItem(TABS_KEY, JSON.stringify(tabs)), [tabs]);
  useEffect(() => {
    // Only the open tabs' names are kept.
    localStorage.setItem(TAB_NAMES_KEY, JSON.stringify(Object.fromEntries(tabs.map((id) => [id, names[id] ?? '']))));
  }, [tabs, names]);
  useEffect(() => savePrefs(prefs), [prefs]);

  // Names for tab labels, from whatever list knows the conversation.
  useEffect(() => {
    const all = [...desk.mine, ...desk.active, ...desk.queue];
    setNames((n) => ({ ...n, ...Object.fromEntries(all.map((c) => [c.id, c.displayName])) }));
    setUnread((u) => {
      const next = { ...u };
      for (const c of desk.mine) if (c.id !== activeTab) next[c.id] = Math.max(next[c.id] ?? 0, c.unread);
      return next;
    });
  }, [desk.mine, desk.active, desk.queue, activeTab]);

  // New messages in my conversations: unread badges, sound, desktop notification.
  useEffect(() => {
    const socket = staffSocket();
    const onMessage = ({ message }: { message: MessageView }) => {
      if (message.author.isSelf || message.kind === 'system') return;
      const focused = message.conversationId === activeTab && document.visibilityState === 'visible';
      if (!focused) setUnread((u) => ({ ...u, [message.conversationId]: (u[message.conversationId] ?? 0) + 1 }));
      if (!focused && prefs.soundNewMessage) chime(false);
      if (prefs.desktop) desktopNotify(`Message from ${message.author.name}`, message.text ?? '');
    };
    socket.on('message:new', onMessage);
    return () => {
      socket.off('message:new', onMessage);
    };
  }, [activeTab, prefs]);

  const totalUnread = Object.entries(unread).reduce((n, [id, count]) => n + (id === activeTab ? 0 : count), 0);
  useEffect(() => {
    document.title = deskTitle(totalUnread, desk.counters.waiting, branding.serviceName);
    setWaitingFavicon(desk.counters.waiting);
  }, [totalUnread, desk.counters.waiting, branding.serviceName]);

  /**
   * Tabs the agent opened on purpose in this page (from a list, search, the snoozed list): a closed conversation opened
   * that way stays open to be read (its transcript, its rating); only a chat that closes while open — or a stale tab
   * restored from an earlier visit — leaves the tab bar.
   */
  const openedHere = useRef(new Set<string>());
  const lastStatus = useRef(new Map<string, string>());
  const open = (id: string) => {
    openedHere.current.add(id);
    setTabs((t) => (t.includes(id) ? t : [...t, id]));
    setActiveTab(id);
    setUnread((u) => ({ ...u, [id]: 0 }));
  };
  const closeTab = (id: string) => {
    setTabs((t) => t.filter((x) => x !== id));
    if (activeTab === id) setActiveTab(tabs.find((x) => x !== id));
  };
  // A pane reports what its conversation is: its name for the tab, and a closed chat leaves the tab bar.
  const onTabState = useCallback((id: string, state: { name: string; status: string; closedBy: string | null }) => {
    setNames((n) => (n[id] === state.name ? n : { ...n, [id]: state.name }));
    const before = lastStatus.current.get(id);
    lastStatus.current.set(id, state.status);
    if (state.status !== 'closed') return;
    // Opened closed on purpose: stays. Closed while open (before is known and not closed), or restored: leaves.
    if (openedHere.current.has(id) && (before === undefined || before === 'closed')) return;
    setNotice(
      `Closed${state.closedBy ? ` by ${state.closedBy}` : ''}: the conversation with ${state.name} left the tab bar.`,
    );
    setTabs((t) => t.filter((x) => x !== id));
    setActiveTab((current) => (current === id ? undefined : current));
  }, []);
  useEffect(() => {
    if (activeTab === undefined && tabs.length > 0) setActiveTab(tabs[0]);
  }, [activeTab, tabs]);

  // Routing gave me a conversation (auto-assignment or a transfer): it opens in a tab, with the new-chat alert.
  useEffect(() => {
    const socket = staffSocket();
    const onUpdated = ({ conversation, change }: { conversation: StaffConversationView; change: string }) => {
      if (change === 'assigned' || change === 'transferred' || change === 'unassigned')
        setPanelVersion((v) => ({ ...v, [conversation.id]: (v[conversation.id] ?? 0) + 1 }));
      if ((change !== 'assigned' && change !== 'transferred') || !me) return;
      if (!conversation.agents.some((a) => a.userId === me.id)) return;
      setNames((n) => ({ ...n, [conversation.id]: conversation.displayName }));
      setTabs((t) => (t.includes(conversation.id) ? t : [...t, conversation.id]));
      setActiveTab((current) => current ?? conversation.id);
      if (prefs.soundNewConversation) chime(true);
      if (prefs.desktop) desktopNotify('A conversation was assigned to you', conversation.displayName);
    };
    socket.on('conversation:updated', onUpdated);
    return () => {
      socket.off('conversation:updated', onUpdated);
    };
  }, [me, prefs]);
  const join = async (item: QueueItem) => {
    const r = (await staffSocket().timeout(10_000).emitWithAck('conversation:join', { conversationId: item.id })) as {
      ok?: boolean;
    };
    if (r.ok) open(item.id);
  };

  if (!me) return null;
  const list: DeskConversationItem[] = view === 'active' ? desk.active : desk.mine;
  return (
    <div className="row g-3 sc-desk">
      <aside className="col-12 col-lg-4 col-xl-3" aria-label="Queue and conversations">
        <AvailabilitySwitch />
        <div className="d-flex gap-2 mb-3" role="status" aria-live="polite">
          <div className="sc-counter flex-fill">
            <div className="sc-counter-value">{desk.counters.waiting}</div>
            <div className="sc-counter-label">Waiting</div>
          </div>
          <div className="sc-counter flex-fill">
            <div className="sc-counter-value">{desk.counters.active}</div>
            <div className="sc-counter-label">Active</div>
          </div>
          <div className="sc-counter flex-fill">
            <div className="sc-counter-value">{desk.counters.mine}</div>
            <div className="sc-counter-label">Mine</div>
          </div>
        </div>
        <section className="card border-0 shadow-sm mb-3" aria-labelledby="queue-title">
          <div className="card-header bg-body d-flex align-items-center">
            <h2 id="queue-title" className="h6 mb-0 me-auto">
              Queue
            </h2>
            {!desk.connected && <span className="badge text-bg-light border">Reconnecting…</span>}
          </div>
          <ul className="list-group list-group-flush sc-queue">
            {desk.queue.length === 0 && (
              <li className="list-group-item text-body-secondary small">Nobody is waiting.</li>
            )}
            {desk.queue.map((q) => (
              <li key={q.id} className="list-group-item">
                <div className="d-flex align-items-start gap-2">
                  <button
                    type="button"
                    className="btn btn-link p-0 text-start text-decoration-none me-auto"
                    onClick={() => open(q.id)}
                  >
                    <span className="fw-semibold d-block">
                      {q.displayName}
                      {q.isCustomer && <span className="badge text-bg-light border ms-1">customer</span>}
                      {q.team && <span className="badge text-bg-info ms-1">{q.team.name}</span>}
                    </span>
                    <span className="small text-body-secondary d-block">
                      {q.topic ?? 'No topic'} · waiting {waited(q.waitingSince, now)}
                    </span>
                  </button>
                  <button
                    type="button"
                    className="btn btn-sm btn-primary"
                    onClick={() => void join(q)}
                    aria-label={`Join ${q.displayName}`}
                  >
                    Join
                  </button>
                </div>
                <p className="small mb-0 mt-1 text-truncate" title={q.firstWords}>
                  {q.firstWords}
                </p>
              </li>
            ))}
          </ul>
        </section>
        <section className="card border-0 shadow-sm mb-3">
          <div className="card-header bg-body">
            <div className="btn-group btn-group-sm w-100" role="group" aria-label="Conversation lists">
              <button
                type="button"
                className={`btn ${view === 'mine' ? 'btn-secondary' : 'btn-outline-secondary'}`}
                aria-pressed={view === 'mine'}
                onClick={() => setView('mine')}
              >
                My conversations
              </button>
              <button
                type="button"
                className={`btn ${view === 'active' ? 'btn-secondary' : 'btn-outline-secondary'}`}
                aria-pressed={view === 'active'}
                onClick={() => setView('active')}
              >
                All active
              </button>
              <button
                type="button"
                className={`btn ${view === 'snoozed' ? 'btn-secondary' : 'btn-outline-secondary'}`}
                aria-pressed={view === 'snoozed'}
                onClick={() => setView('snoozed')}
              >
                Snoozed
              </button>
            </div>
          </div>
          {view === 'snoozed' ? (
            <SnoozedList me={me} onOpen={open} version={snoozeVersion} />
          ) : (
            <ul className="list-group list-group-flush">
              {list.length === 0 && <li className="list-group-item text-body-secondary small">None.</li>}
              {list.map((c) => (
                <li key={c.id} className="list-group-item list-group-item-action">
                  <button
                    type="button"
                    className="btn btn-link p-0 w-100 text-start text-decoration-none d-flex"
                    onClick={() => open(c.id)}
                  >
                    <span className="me-auto">
                      <span className="fw-semibold">{c.displayName}</span>
                      <span className="small text-body-secondary d-block">
                        {c.agents.map((a) => a.name).join(', ') || 'No agent'}
                      </span>
                    </span>
                    {(unread[c.id] ?? 0) > 0 && c.id !== activeTab && (
                      <span className="badge rounded-pill text-bg-danger align-self-center">{unread[c.id]}</span>
                    )}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
        <DeskSearch me={me} onOpen={open} />
        <section className="card border-0 shadow-sm" aria-labelledby="alerts-title">
          <div className="card-body small">
            <h2 id="alerts-title" className="h6">
              Alerts
            </h2>
            {(
              [
                ['soundNewConversation', 'Sound for a new waiting conversation'],
                ['soundNewMessage', 'Sound for new messages'],
              ] as const
            ).map(([key, label]) => (
              <div className="form-check form-switch" key={key}>
                <input
                  className="form-check-input"
                  type="checkbox"
                  role="switch"
                  id={`pref-${key}`}
                  checked={prefs[key]}
                  onChange={(e) => setPrefs((p) => ({ ...p, [key]: e.target.checked }))}
                />
                <label className="form-check-label" htmlFor={`pref-${key}`}>
                  {label}
                </label>
              </div>
            ))}
            <div className="form-check form-switch">
              <input
                className="form-check-input"
                type="checkbox"
                role="switch"
                id="pref-desktop"
                checked={prefs.desktop}
                onChange={(e) => {
                  const wanted = e.target.checked;
                  if (!wanted) setPrefs((p) => ({ ...p, desktop: false }));
                  else void askDesktopPermission().then((granted) => setPrefs((p) => ({ ...p, desktop: granted })));
                }}
              />
              <label className="form-check-label" htmlFor="pref-desktop">
                Desktop notifications
              </label>
            </div>
          </div>
        </section>
      </aside>
      <div className="col-12 col-lg-8 col-xl-9">
        <div role="status" aria-live="polite">
          {notice && (
            <div className="alert alert-secondary py-2 d-flex align-items-center">
              <span className="me-auto">{notice}</span>
              <button type="button" className="btn-close" aria-label="Dismiss" onClick={() => setNotice(undefined)} />
            </div>
          )}
        </div>
        {tabs.length === 0 ? (
          <div className="sc-empty-desk text-center text-body-secondary">
            <p className="h5">No conversation open</p>
            <p>Join someone from the queue, or open one of your conversations.</p>
          </div>
        ) : (
          <>
            <nav aria-label="Open conversations">
              <ul className="nav nav-tabs mb-2 flex-nowrap overflow-auto">
                {tabs.map((id) => (
                  <li key={id} className="nav-item d-flex">
                    <button
                      type="button"
                      aria-current={id === activeTab ? 'true' : undefined}
                      className={`nav-link ${id === activeTab ? 'active' : ''}`}
                      onClick={() => open(id)}
                    >
                      {names[id] ?? 'Conversation'}
                      {(unread[id] ?? 0) > 0 && id !== activeTab && (
                        <span className="badge rounded-pill text-bg-danger ms-1">{unread[id]}</span>
                      )}
                    </button>
                    <button
                      type="button"
                      className="btn btn-sm btn-link text-body-secondary"
                      aria-label={`Close tab ${names[id] ?? ''}`}
                      onClick={() => closeTab(id)}
                    >
                      ×
                    </button>
                  </li>
                ))}
              </ul>
            </nav>
            {tabs.map((id) => (
              // Every open tab stays mounted (live, with its draft); only the active one is shown.
              <div key={id} className={id === activeTab ? 'row g-3' : 'd-none'}>
                <div className="col-12 col-xxl-8">
                  <ConversationPane
                    id={id}
                    me={me}
                    canned={canned}
                    agentTitle={branding.agentTitle}
                    visible={id === activeTab}
                    onState={onTabState}
                  />
                </div>
                <div className="col-12 col-xxl-4">
                  <ContactPanel
                    conversationId={id}
                    visible={id === activeTab}
                    refreshKey={String(panelVersion[id] ?? 0)}
                  />
                </div>
              </div>
            ))}
          </>
        )}
      </div>
    </div>
  );
}
