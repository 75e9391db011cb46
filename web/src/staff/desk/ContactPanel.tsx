import { useCallback, useEffect, useState } from 'react';
import type { ContactConversationItem, ContactNoteView, ContactPanelView } from '../../../../src/shared/contacts.js';
import type { MessageView, StaffConversationView } from '../../../../src/shared/conversations.js';
import { api, ApiError } from '../../shared/api.js';
import { staffAttachmentUrl } from '../../shared/chat/AttachmentList.js';
import { MessageList } from '../../shared/chat/MessageList.js';
import { Modal } from '../../shared/ui/Modal.js';

const STATUS_LABEL = { waiting: 'Waiting', active: 'Active', closed: 'Closed', left: 'Left' } as const;
const day = (iso: string) => new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' });
const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A past conversation's transcript, read-only (notes included: staff view). */
export function TranscriptDialog(props: { conversationId: string | null; onClose: () => void }) {
  const [data, setData] = useState<{ conversation: StaffConversationView; messages: MessageView[] } | null>(null);
  const [error, setError] = useState<string>();
  useEffect(() => {
    setData(null);
    setError(undefined);
    if (!props.conversationId) return;
    api<{ conversation: StaffConversationView; messages: MessageView[] }>(
      'GET',
      `/api/staff/conversations/${encodeURIComponent(props.conversationId)}/messages?after=0&limit=500`,
    ).then(setData, (e: unknown) => setError(e instanceof ApiError ? e.message : 'Could not load it.'));
  }, [props.conversationId]);
  const c = data?.conversation;
  return (
    <Modal
      open={props.conversationId !== null}
      size="lg"
      title={c ? `${c.displayName} · ${c.topic ?? 'No topic'} · ${day(c.createdAt)}` : 'Conversation'}
      onClose={props.onClose}
    >
      {error && <div className="alert alert-warning">{error}</div>}
      {!data && !error && <p role="status">Loading…</p>}
      {data && (
        <>
          <p className="small text-body-secondary mb-2">
            Read-only · {STATUS_LABEL[data.conversation.status]}
            {data.conversation.closedBy ? ` · closed by ${data.conversation.closedBy}` : ''}
          </p>
          <MessageList
            messages={data.messages}
            label={`Transcript with ${data.conversation.displayName}`}
            attachmentUrl={staffAttachmentUrl}
          />
        </>
      )}
    </Modal>
  );
}

function Notes(props: { contactKey: string }) {
  const base = `/api/staff/contacts/${encodeURIComponent(props.contactKey)}/notes`;
  const [notes, setNotes] = useState<ContactNoteView[]>([]);
  const [total, setTotal] = useState(0);
  const [page, setPage] = useState(1);
  const [text, setText] = useState('');
  const [editing, setEditing] = useState<{ id: string; text: string } | null>(null);
  const [error, setError] = useState<string>();
  const load = useCallback(
    async (upTo: number) => {
      const r = await api<{ items: ContactNoteView[]; total: number }>('GET', `${base}?page=1&pageSize=${upTo * 5}`);
      setNotes(r.items);
      setTotal(r.total);
    },
    [base],
  );
  useEffect(() => void load(page).catch(() => setError('Could not load the notes.')), [load, page]);
  const run = async (p: Promise<unknown>) => {
    try {
      await p;
      setError(undefined);
      await load(page);
      return true;
    } catch (e) {
      setError(e instanceof ApiError ? (Object.values(e.fields)[0] ?? e.message) : 'That did not work.');
      return false;
    }
  };
  return (
    <section aria-labelledby={`notes-${props.contactKey}`}>
      <h3 id={`notes-${props.contactKey}`} className="h6 mt-3">
        Notes about this contact <span className="badge text-bg-light border">staff only</span>
      </h3>
      <form
        className="mb-2"
        onSubmit={(e) => {
          e.preventDefault();
          void run(api('POST', base, { text })).then((ok) => ok && setText(''));
        }}
      >
        <label htmlFor={`note-${props.contactKey}`} className="visually-hidden">
          New note about this contact
        </label>
        <textarea
          id={`note-${props.contactKey}`}
          className="form-control form-control-sm mb-1"
          rows={2}
          placeholder="A note for the team (never shown to the contact)"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" className="btn btn-sm btn-outline-primary" disabled={!text.trim()}>
          Save note
        </button>
      </form>
      {error && (
        <div className="alert alert-danger py-1 small" role="alert">
          {error}
        </div>
      )}
      <ul className="list-unstyled small mb-0">
        {notes.map((n) => (
          <li key={n.id} className="sc-contact-note border-start border-3 ps-2 mb-2">
            {editing?.id === n.id ? (
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  void run(api('PUT', `${base}/${n.id}`, { text: editing.text })).then((ok) => ok && setEditing(null));
                }}
              >
                <label htmlFor={`edit-${n.id}`} className="visually-hidden">
                  Edit note
                </label>
                <textarea
                  id={`edit-${n.id}`}
                  className="form-control form-control-sm mb-1"
                  rows={2}
                  value={editing.text}
                  onChange={(e) => setEditing({ id: n.id, text: e.target.value })}
                />
                <button type="submit" className="btn btn-sm btn-primary me-1">
                  Save
                </button>
                <button type="button" className="btn btn-sm btn-link" onClick={() => setEditing(null)}>
                  Cancel
                </button>
              </form>
            ) : (
              <>
                <div className="sc-note-text">{n.text ?? 'This note cannot be read.'}</div>
                <div className="text-body-secondary">
                  {n.author.name} · {when(n.createdAt)}
                  {n.updatedAt !== n.createdAt ? ' · edited' : ''}
                  {n.canEdit && (
                    <>
                      <button
                        type="button"
                        className="btn btn-link btn-sm p-0 ms-2 align-baseline"
                        onClick={() => setEditing({ id: n.id, text: n.text ?? '' })}
                      >
                        Edit
                      </button>
                      <button
                        type="button"
                        className="btn btn-link btn-sm p-0 ms-2 align-baseline text-danger"
                        onClick={() => void run(api('DELETE', `${base}/${n.id}`))}
                      >
                        Delete
                      </button>
                    </>
                  )}
                </div>
              </>
            )}
          </li>
        ))}
      </ul>
      {notes.length < total && (
        <button type="button" className="btn btn-sm btn-link p-0" onClick={() => setPage((p) => p + 1)}>
          Older notes
        </button>
      )}
    </section>
  );
}

/**
 * The contact panel beside a conversation: who it is (customer or visitor, verified or not), where and in which
 * browser the conversation started, the team and agent routing gave it, past conversations (open one read-only),
 * and the staff's notes about them.
 */
export function ContactPanel(props: { conversationId: string; visible: boolean; refreshKey: string }) {
  const [panel, setPanel] = useState<ContactPanelView | null>(null);
  const [history, setHistory] = useState<ContactConversationItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<string>();

  useEffect(() => {
    if (!props.visible) return;
    api<ContactPanelView>('GET', `/api/staff/conversations/${encodeURIComponent(props.conversationId)}/contact`).then(
      (p) => {
        setPanel(p);
        setError(undefined);
      },
      (e: unknown) => setError(e instanceof ApiError ? e.message : 'Could not load the contact.'),
    );
  }, [props.conversationId, props.visible, props.refreshKey]);

  const contactKey = panel?.contact.key;
  const loadHistory = useCallback(
    async (after: string | null) => {
      if (!contactKey) return;
      const r = await api<{ items: ContactConversationItem[]; nextCursor: string | null }>(
        'GET',
        `/api/staff/contacts/${encodeURIComponent(contactKey)}/conversations?limit=5${after ? `&cursor=${encodeURIComponent(after)}` : ''}`,
      );
      setHistory((h) => (after ? [...h, ...r.items] : r.items));
      setCursor(r.nextCursor);
    },
    [contactKey],
  );
  useEffect(() => void loadHistory(null).catch(() => undefined), [loadHistory]);

  if (error) return <div className="alert alert-warning small">{error}</div>;
  if (!panel)
    return (
      <p className="small text-body-secondary" role="status">
        Loading contact…
      </p>
    );
  const { contact, origin } = panel;
  return (
    <aside className="sc-contact card border-0 shadow-sm" aria-label={`Contact: ${contact.name}`}>
      <div className="card-body">
        <h2 className="h6 mb-1">{contact.name}</h2>
        <div className="mb-2">
          <span className="badge text-bg-light border me-1">
            {contact.kind === 'customer' ? 'Customer' : 'Visitor'}
          </span>
          {contact.kind === 'customer' && (
            <span className={`badge me-1 ${contact.emailVerified ? 'text-bg-success' : 'text-bg-warning'}`}>
              {contact.emailVerified ? 'E-mail verified' : 'E-mail not verified'}
            </span>
          )}
          {contact.kind === 'visitor' && !contact.identityVerified && (
            <span className="badge text-bg-light border me-1">Not verified</span>
          )}
          {contact.identityVerified && (
            <span className="badge text-bg-success">
              Identity verified{contact.verifiedBy ? ` by ${contact.verifiedBy}` : ''}
            </span>
          )}
        </div>
        <dl className="sc-facts small mb-0">
          <dt>E-mail</dt>
          <dd>{contact.email ?? '—'}</dd>
          <dt>First seen</dt>
          <dd>{day(contact.firstSeen)}</dd>
          <dt>Conversations</dt>
          <dd>{contact.conversations}</dd>
          <dt>Started on</dt>
          <dd className="text-break">{origin?.pageUrl ?? '—'}</dd>
          <dt>Browser</dt>
          <dd>
            {origin?.browser || origin?.os
              ? [origin.browser, origin.os && `on ${origin.os}`, origin.device && `(${origin.device})`]
                  .filter(Boolean)
                  .join(' ')
              : '—'}
          </dd>
          <dt>Team</dt>
          <dd>{panel.team?.name ?? 'General queue'}</dd>
          {panel.assignedTo && (
            <>
              <dt>Assigned to</dt>
              <dd>{panel.assignedTo.name}</dd>
            </>
          )}
        </dl>

        <h3 className="h6 mt-3">Conversations</h3>
        <ul className="list-group list-group-flush small">
          {history.map((h) => (
            <li key={h.id} className="list-group-item px-0">
              <button
                type="button"
                className="btn btn-link p-0 text-start text-decoration-none w-100"
                onClick={() => setOpen(h.id)}
              >
                <span className="visually-hidden">Open read-only: </span>
                <span className="d-flex">
                  <span className="me-auto fw-semibold">{day(h.createdAt)}</span>
                  <span className="badge text-bg-light border">
                    {h.id === props.conversationId ? 'this one' : STATUS_LABEL[h.status]}
                  </span>
                </span>
                <span className="d-block text-body text-truncate">{h.firstQuestion ?? '—'}</span>
                <span className="d-block text-body-secondary">
                  {h.topic ?? 'No topic'}
                  {h.agents.length > 0 ? ` · ${h.agents.join(', ')}` : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
        {cursor && (
          <button type="button" className="btn btn-sm btn-link p-0" onClick={() => void loadHistory(cursor)}>
            Earlier conversations
          </button>
        )}
        <Notes contactKey={contact.key} />
      </div>
      <TranscriptDialog conversationId={open} onClose={() => setOpen(null)} />
    </aside>
  );
}
