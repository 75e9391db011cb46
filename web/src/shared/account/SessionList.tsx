import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from '../api.js';

export interface SessionView {
  id: string;
  device: string;
  ip: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  current: boolean;
}

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * The signed-in devices of the person looking (customer account page and staff account page): device, address,
 * last seen, and "Sign out" for one of them. Signing this device out calls `onSignedOutHere`.
 */
export function SessionList(props: { endpoint: string; onSignedOutHere: () => void }) {
  const [sessions, setSessions] = useState<SessionView[] | null>(null);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const load = useCallback(() => {
    api<{ sessions: SessionView[] }>('GET', props.endpoint).then(
      (r) => setSessions(r.sessions),
      (err: unknown) => setError(err instanceof ApiError ? err.message : 'Could not load your sessions.'),
    );
  }, [props.endpoint]);
  useEffect(load, [load]);

  const signOut = (s: SessionView) => {
    setBusy(s.id);
    api<{ current: boolean }>('DELETE', `${props.endpoint}/${encodeURIComponent(s.id)}`).then(
      (r) => {
        setBusy(undefined);
        if (r.current) props.onSignedOutHere();
        else load();
      },
      (err: unknown) => {
        setBusy(undefined);
        setError(err instanceof ApiError ? err.message : 'Signing out failed.');
        load();
      },
    );
  };

  if (error) return <div className="alert alert-danger py-2">{error}</div>;
  if (!sessions) return <p role="status">Loading…</p>;
  return (
    <ul className="list-group list-group-flush" aria-label="Signed-in devices">
      {sessions.map((s) => (
        <li key={s.id} className="list-group-item px-0 d-flex flex-wrap align-items-center gap-2">
          <div className="me-auto">
            <div className="fw-semibold">
              {s.device}
              {s.current && <span className="badge text-bg-success ms-2">This device</span>}
            </div>
            <div className="small text-body-secondary">
              {s.ip ?? 'address unknown'} · last seen {when(s.lastSeenAt)} · signed in {when(s.createdAt)}
            </div>
          </div>
          <button
            type="button"
            className="btn btn-sm btn-outline-danger"
            disabled={busy === s.id}
            onClick={() => signOut(s)}
            aria-label={`Sign out ${s.current ? 'this device' : s.device}`}
          >
            Sign out
          </button>
        </li>
      ))}
    </ul>
  );
}
