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
      <div
        className="table-responsive card border-0 shadow-sm"
        tabIndex={0}
        role="region"
        aria-label="Table (scrolls sideways on small screens)"
      >
        <table className="table table-sm align-middle mb-0">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Target</th>
              <th scope="col" className="d-none d-md-table-cell">
                From
              </th>
            </tr>
          </thead>
          <tbody>
            {data?.entries.map((e) => (
              <tr key={e.id}>
                <td className="text-nowrap small">{new Date(e.at).toLocaleString()}</td>
                <td>{e.actor.name}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>{e.target ? `${e.target.name ?? e.target.id ?? ''}` : '—'}</td>
                <td className="d-none d-md-table-cell small text-body-secondary">{e.ip ?? '—'}</td>
              </tr>
            ))}
            {data?.entries.length === 0 && (
              <tr>
                <td colSpan={5} className="text-center text-body-secondary py-4">
                  Nothing recorded yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
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
