import { Link } from 'wouter';
import { useState } from 'react';
import type { MessageView, StaffConversationView } from '../../../../../src/shared/conversations.js';
import { api, ApiError } from '../../../shared/api.js';
import { staffAttachmentUrl } from '../../../shared/chat/AttachmentList.js';
import { MessageList } from '../../../shared/chat/MessageList.js';

interface Entry {
  conversation: StaffConversationView;
  messages: MessageView[];
  matches: number;
}

/**
 * Admin → Message logs: hidden until an admin chooses to show them (every showing is audited), then every
 * conversation with its decrypted messages, filtered by status, dates and text.
 */
export function MessageLogsPage() {
  const [shown, setShown] = useState(false);
  const [filters, setFilters] = useState({ status: '', text: '', from: '', to: '' });
  const [entries, setEntries] = useState<Entry[]>([]);
  const [cursor, setCursor] = useState<number | null>(null);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const search = async (from: number, append: boolean) => {
    setBusy(true);
    const q = new URLSearchParams({ cursor: String(from), pageSize: '20' });
    if (filters.status) q.set('status', filters.status);
    if (filters.text.trim()) q.set('text', filters.text.trim());
    if (filters.from) q.set('from', new Date(filters.from).toISOString());
    if (filters.to) q.set('to', new Date(`${filters.to}T23:59:59`).toISOString());
    try {
      const r = await api<{ entries: Entry[]; nextCursor: number | null }>('GET', `/api/admin/message-logs?${q}`);
      setEntries((e) => (append ? [...e, ...r.entries] : r.entries));
      setCursor(r.nextCursor);
      setError(undefined);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not load the logs.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div>
      <div className="d-flex align-items-center mb-3 gap-2">
        <h1 className="h3 me-auto mb-0">Message logs</h1>
        <button
          type="button"
          className={`btn ${shown ? 'btn-outline-secondary' : 'btn-primary'}`}
          onClick={() => {
            if (shown) {
              setShown(false);
              setEntries([]);
            } else {
              setShown(true);
              void search(0, false);
            }
          }}
        >
          {shown ? 'Hide logs' : 'Show logs'}
        </button>
      </div>
      {!shown ? (
        <p className="text-body-secondary">
          Logs are hidden. Showing them decrypts conversations; each view is recorded in the audit log.
        </p>
      ) : (
        <>
          <form
            className="row g-2 align-items-end mb-3"
            onSubmit={(e) => {
              e.preventDefault();
              void search(0, false);
            }}
          >
            <div className="col-6 col-md-2">
              <label htmlFor="log-status" className="form-label small">
                Status
              </label>
              <select
                id="log-status"
                className="form-select"
                value={filters.status}
                onChange={(e) => setFilters({ ...filters, status: e.target.value })}
              >
                <option value="">Any</option>
                <option value="waiting">Waiting</option>
                <option value="active">Active</option>
                <option value="closed">Closed</option>
                <option value="left">Left</option>
              </select>
            </div>
            <div className="col-6 col-md-2">
              <label htmlFor="log-from" className="form-label small">
                From
              </label>
              <input
                id="log-from"
                type="date"
                className="form-control"
                value={filters.from}
                onChange={(e) => setFilters({ ...filters, from: e.target.value })}
              />
            </div>
            <div className="col-6 col-md-2">
              <label htmlFor="log-to" className="form-label small">
                To
              </label>
              <input
                id="log-to"
                type="date"
                className="form-control"
                value={filters.to}
                onChange={(e) => setFilters({ ...filters, to: e.target.value })}
              />
            </div>
            <div className="col-12 col-md-4">
              <label htmlFor="log-text" className="form-label small">
                Text
              </label>
              <input
                id="log-text"
                type="search"
                className="form-control"
                value={filters.text}
                onChange={(e) => setFilters({ ...filters, text: e.target.value })}
              />
            </div>
            <div className="col-12 col-md-2">
              <button type="submit" className="btn btn-primary w-100" disabled={busy}>
                Search
              </button>
            </div>
          </form>
          {error && <div className="alert alert-danger">{error}</div>}
          {entries.length === 0 && !busy && <p className="text-body-secondary">No conversations match.</p>}
          {entries.map((e) => (
            <details key={e.conversation.id} className="card border-0 shadow-sm mb-2">
              <summary className="card-header bg-body d-flex flex-wrap gap-2">
                <span className="fw-semibold me-auto">
                  {e.conversation.displayName} · {e.conversation.topic ?? 'No topic'}
                </span>
                <span className="badge text-bg-secondary">{e.conversation.status}</span>
                <span className="small text-body-secondary">
                  {new Date(e.conversation.createdAt).toLocaleString()} · {e.messages.length} messages
                  {e.matches > 0 ? ` · ${e.matches} match${e.matches > 1 ? 'es' : ''}` : ''}
                  {e.conversation.agents.length > 0 ? ` · ${e.conversation.agents.map((a) => a.name).join(', ')}` : ''}
                </span>
              </summary>
              <MessageList
                messages={e.messages}
                label={`Messages of ${e.conversation.displayName}`}
                attachmentUrl={staffAttachmentUrl}
              />
              {(e.conversation.customerId ?? e.conversation.visitorId) && (
                <div className="card-footer bg-body small">
                  <Link
                    href={
                      e.conversation.customerId
                        ? `/admin/contacts/customer/${e.conversation.customerId}`
                        : `/admin/contacts/visitor/${e.conversation.visitorId}`
                    }
                  >
                    Personal data of {e.conversation.displayName}: download or erase
                  </Link>
                </div>
              )}
            </details>
          ))}
          {cursor !== null && (
            <button
              type="button"
              className="btn btn-outline-secondary"
              disabled={busy}
              onClick={() => void search(cursor, true)}
            >
              Load more
            </button>
          )}
        </>
      )}
    </div>
  );
}
