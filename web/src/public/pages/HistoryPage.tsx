import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import type { ConversationView, MessageView } from '../../../../src/shared/conversations.js';
import { api } from '../../shared/api.js';
import { useSession } from '../session.js';

type Row = ConversationView & { firstMessage: MessageView | null; lastMessage: MessageView | null };

/** A customer's conversations on any device: newest first, with the last message. */
export function HistoryPage() {
  const { me, loading } = useSession();
  const [rows, setRows] = useState<Row[] | null>(null);
  const [search, setSearch] = useState('');
  useEffect(() => {
    if (me?.kind !== 'customer') return;
    const timer = setTimeout(() => {
      const q = search.trim() ? `?search=${encodeURIComponent(search.trim())}` : '';
      api<{ conversations: Row[] }>('GET', `/api/conversations${q}`).then(
        (r) => setRows(r.conversations),
        () => setRows([]),
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [me, search]);
  if (loading) return <p role="status">Loading…</p>;
  if (me?.kind !== 'customer') {
    return (
      <div className="alert alert-info" role="status">
        <a href="/signin?next=/conversations">Sign in</a> to see your conversations on any device.
      </div>
    );
  }
  const hasOpen = rows?.some((r) => r.status === 'waiting' || r.status === 'active');
  return (
    <div className="sc-chat mx-auto">
      <div className="d-flex align-items-center mb-3">
        <h1 className="h3 me-auto mb-0">Your conversations</h1>
        {!hasOpen && (
          <Link href="/" className="btn btn-primary">
            New conversation
          </Link>
        )}
      </div>
      <label htmlFor="history-search" className="visually-hidden">
        Search your conversations
      </label>
      <input
        id="history-search"
        type="search"
        className="form-control mb-3"
        placeholder="Search by topic or message"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
      />
      {rows?.length === 0 && (
        <p className="text-body-secondary">{search.trim() ? 'Nothing matches.' : 'No conversations yet.'}</p>
      )}
      <ul className="list-group shadow-sm">
        {rows?.map((r) => (
          <li key={r.id} className="list-group-item list-group-item-action">
            <Link href={`/c/${r.id}`} className="d-flex gap-3 text-decoration-none text-body">
              <div className="me-auto">
                <div className="fw-semibold">{r.topic ?? 'Conversation'}</div>
                {/* The question it started with: the last line is often "… closed the chat". */}
                <div className="small text-body-secondary text-truncate">{r.firstMessage?.text ?? ''}</div>
              </div>
              <div className="text-end small">
                <div>{new Date(r.lastMessageAt).toLocaleDateString()}</div>
                <span
                  className={`badge ${r.status === 'active' || r.status === 'waiting' ? 'text-bg-success' : 'text-bg-secondary'}`}
                >
                  {r.status}
                </span>
              </div>
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
