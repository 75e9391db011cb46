import { useEffect, useState } from 'react';
import { api, ApiError } from '../../../shared/api.js';

interface AuditEntry {
  id: string;
  at: string;
  actor: { id: string | null; name: string };
  action: string;
  target: { type: string; id: string | null; name: string | null } | null;
  ip: string | null;
  details: Record<string, unknown>;
  summary: string;
  changes: { field: string; before: string; after: string }[];
  facts: { label: string; value: string }[];
}

const TARGET_KIND: Record<string, string> = {
  user: 'Account',
  topic: 'Topic',
  canned: 'Canned reply',
  date: 'Date',
  api_token: 'API token',
  webhook: 'Webhook',
};

/** What changed, one line per field: "Role: agent → admin"; then the entry's other facts. */
function Details(props: { entry: AuditEntry }) {
  const { changes, facts } = props.entry;
  if (changes.length === 0 && facts.length === 0) return null;
  return (
    <ul className="list-unstyled mb-0 mt-1 small sc-audit-details">
      {changes.map((c) => (
        <li key={`c-${c.field}`}>
          <span className="fw-semibold">{c.field}:</span> <del className="sc-audit-before">{c.before}</del>{' '}
          <span aria-label="changed to">→</span> <ins className="sc-audit-after">{c.after}</ins>
        </li>
      ))}
      {facts.map((f) => (
        <li key={`f-${f.label}`}>
          <span className="fw-semibold">{f.label}:</span> {f.value}
        </li>
      ))}
    </ul>
  );
}

/** Admin → Audit log: who did what to whom, when and from where. */
export function AuditPage() {
  const [action, setAction] = useState('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ entries: AuditEntry[]; total: number; actions: string[] } | null>(null);
  const [error, setError] = useState<string>();
  useEffect(() => {
    const q = new URLSearchParams({ page: String(page), pageSize: '50' });
    if (action) q.set('action', action);
    api<{ entries: AuditEntry[]; total: number; actions: string[] }>('GET', `/api/admin/audit?${q}`).then(
      (d) => {
        setData(d);
        setError(undefined);
      },
      (err: unknown) => setError(err instanceof ApiError ? err.message : 'Could not load the audit log.'),
    );
  }, [action, page]);
  const pages = data ? Math.max(1, Math.ceil(data.total / 50)) : 1;
  return (
    <div>
      <div className="d-flex flex-wrap align-items-center gap-2 mb-3">
        <h1 className="h3 me-auto mb-0">Audit log</h1>
        <label htmlFor="audit-action" className="form-label mb-0 small">
          Action
        </label>
        <select
          id="audit-action"
          className="form-select w-auto"
          value={action}
          onChange={(e) => {
            setAction(e.target.value);
            setPage(1);
          }}
        >
          <option value="">All actions</option>
          {data?.actions.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </div>
      {error && (
        <div className="alert alert-danger" role="alert">
          {error}
        </div>
      )}
      <ol className="list-unstyled card border-0 shadow-sm mb-0 sc-audit-list" aria-label="Audit entries">
        {data?.entries.map((e) => (
          <li key={e.id} className="sc-audit-entry">
            <div className="d-flex flex-wrap align-items-baseline gap-2">
              <span className="fw-semibold me-auto">{e.summary}</span>
              <time className="small text-body-secondary text-nowrap" dateTime={e.at}>
                {new Date(e.at).toLocaleString()}
              </time>
            </div>
            <div className="small text-body-secondary">
              By {e.actor.name}
              {e.ip ? ` from ${e.ip}` : ''}
              {e.target && (
                <>
                  {' · '}
                  {TARGET_KIND[e.target.type] ?? e.target.type}: {e.target.name ?? e.target.id ?? '—'}
                </>
              )}
              {' · '}
              <code className="sc-audit-code">{e.action}</code>
            </div>
            <Details entry={e} />
          </li>
        ))}
        {data?.entries.length === 0 && <li className="text-center text-body-secondary py-4">Nothing recorded yet.</li>}
      </ol>
      {pages > 1 && (
        <div className="d-flex gap-2 mt-3 align-items-center">
          <button
            type="button"
            className="btn btn-outline-secondary btn-sm"
            disabled={page <= 1}
            onClick={() => setPage((p) => p - 1)}
          >
            Newer
          </button>
          <span className="small">
            Page {page} of {pages}
          </span>
          <button
            type="button"
            className="btn btn-outline-secondary btn-sm"
            disabled={page >= pages}
            onClick={() => setPage((p) => p + 1)}
          >
            Older
          </button>
        </div>
      )}
    </div>
  );
}
