import { useCallback, useEffect, useState } from 'react';
import {
  API_SCOPE_LABELS,
  API_SCOPES,
  type ApiScope,
  type ApiTokenView,
} from '../../../../../src/shared/integrations.js';
import { api, ApiError } from '../../../shared/api.js';
import { ConfirmDialog } from '../../../shared/ui/ConfirmDialog.js';
import { Field, FormError } from '../../../shared/ui/forms.js';

const PAGE_SIZE = 25;
const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

/** The token, once: copy it now, it is never shown again. */
function NewToken(props: { token: string; name: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="alert alert-success" role="status">
      <h2 className="h6">Token “{props.name}” created</h2>
      <p className="mb-2">Copy it now: it is shown only once (only a hash of it is kept).</p>
      <div className="input-group mb-2">
        <label className="visually-hidden" htmlFor="new-token-value">
          New API token
        </label>
        <input id="new-token-value" className="form-control font-monospace" readOnly value={props.token} />
        <button
          type="button"
          className="btn btn-outline-secondary"
          onClick={() =>
            void navigator.clipboard?.writeText(props.token).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <button type="button" className="btn btn-sm btn-success" onClick={props.onDone}>
        I have stored it
      </button>
    </div>
  );
}

/** Admin → API tokens: named, scoped tokens for integrations and bots; shown once, revocable, last use shown. */
export function ApiTokensPage() {
  const [data, setData] = useState<{ tokens: ApiTokenView[]; total: number }>();
  const [page, setPage] = useState(1);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiScope[]>(['conversations:read']);
  const [botName, setBotName] = useState('');
  const [expires, setExpires] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [created, setCreated] = useState<{ token: string; name: string }>();
  const [revoking, setRevoking] = useState<ApiTokenView>();
  const load = useCallback(
    () =>
      api<{ tokens: ApiTokenView[]; total: number }>(
        'GET',
        `/api/admin/api-tokens?page=${page}&pageSize=${PAGE_SIZE}`,
      ).then(setData, (e: unknown) => setError(e instanceof ApiError ? e.message : 'Could not load the tokens.')),
    [page],
  );
  useEffect(() => void load(), [load]);
  const pages = data ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : 1;
  const toggle = (s: ApiScope, on: boolean) => setScopes((list) => (on ? [...list, s] : list.filter((x) => x !== s)));

  const create = async () => {
    setError(undefined);
    setFields({});
    try {
      const r = await api<{ token: string; apiToken: ApiTokenView }>('POST', '/api/admin/api-tokens', {
        name,
        scopes,
        ...(scopes.includes('messages:write') ? { botName } : {}),
        expiresInDays: expires ? Number(expires) : null,
      });
      setCreated({ token: r.token, name: r.apiToken.name });
      setName('');
      setBotName('');
      await load();
    } catch (e) {
      if (e instanceof ApiError) {
        setFields(e.fieldPaths);
        if (Object.keys(e.fieldPaths).length === 0) setError(e.message);
      } else setError('That did not work.');
    }
  };

  return (
    <div>
      <h1 className="h3">API tokens</h1>
      <p className="text-body-secondary">
        For integrations and bots: each token may do only what its scopes allow (the API documentation at{' '}
        <a href="/api/docs">/api/docs</a> names the scope of every endpoint). Send it as{' '}
        <code className="sc-audit-code">Authorization: Bearer scat_…</code>.
      </p>
      {created && <NewToken {...created} onDone={() => setCreated(undefined)} />}
      <div className="card border-0 shadow-sm mb-4">
        <form
          className="card-body"
          aria-labelledby="new-token-heading"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <h2 id="new-token-heading" className="h5">
            New token
          </h2>
          <FormError error={error} />
          <div className="row g-3">
            <div className="col-12 col-md-6">
              <Field
                label="Name"
                name="name"
                value={name}
                maxLength={80}
                required
                hint="What uses it, e.g. “CRM sync” or “FAQ bot”"
                error={fields.name}
                onChange={(e) => setName(e.target.value)}
              />
            </div>
            <div className="col-12 col-md-6">
              <label htmlFor="token-expiry" className="form-label">
                Expires
              </label>
              <select
                id="token-expiry"
                className="form-select"
                value={expires}
                onChange={(e) => setExpires(e.target.value)}
              >
                <option value="">Never</option>
                <option value="30">In 30 days</option>
                <option value="90">In 90 days</option>
                <option value="365">In a year</option>
              </select>
            </div>
          </div>
          <fieldset className="mb-3">
            <legend className="form-label fs-6">Scopes</legend>
            {API_SCOPES.map((s) => (
              <div className="form-check" key={s}>
                <input
                  className="form-check-input"
                  type="checkbox"
                  id={`scope-${s}`}
                  checked={scopes.includes(s)}
                  onChange={(e) => toggle(s, e.target.checked)}
                />
                <label className="form-check-label" htmlFor={`scope-${s}`}>
                  <code>{s}</code> — {API_SCOPE_LABELS[s]}
                </label>
              </div>
            ))}
            {fields.scopes && (
              <div className="invalid-feedback d-block" role="alert">
                Scopes {fields.scopes}
              </div>
            )}
          </fieldset>
          {scopes.includes('messages:write') && (
            <Field
              label="Bot name"
              name="botName"
              value={botName}
              maxLength={60}
              hint="Shown on its replies with the title “Bot”, to visitors and agents"
              error={fields.botName}
              onChange={(e) => setBotName(e.target.value)}
            />
          )}
          <button type="submit" className="btn btn-primary" disabled={!name.trim() || scopes.length === 0}>
            Create token
          </button>
        </form>
      </div>

      <h2 className="h5">Tokens</h2>
      <ul className="list-group shadow-sm" aria-label="API tokens">
        {data?.tokens.map((tk) => (
          <li key={tk.id} className="list-group-item sc-token">
            <div className="d-flex flex-wrap align-items-center gap-2">
              <span className="fw-semibold me-auto">{tk.name}</span>
              <span
                className={`badge ${tk.status === 'active' ? 'text-bg-success' : 'text-bg-secondary'}`}
                title={tk.revokedAt ? `Revoked by ${tk.revokedBy ?? '?'}, ${when(tk.revokedAt)}` : undefined}
              >
                {tk.status === 'active' ? 'Active' : tk.status === 'revoked' ? 'Revoked' : 'Expired'}
              </span>
              {tk.status === 'active' && (
                <button
                  type="button"
                  className="btn btn-sm btn-outline-danger"
                  aria-label={`Revoke ${tk.name}`}
                  onClick={() => setRevoking(tk)}
                >
                  Revoke
                </button>
              )}
            </div>
            <div className="small">
              {tk.scopes.map((sc) => (
                <code key={sc} className="me-2">
                  {sc}
                </code>
              ))}
            </div>
            <div className="small text-body-secondary">
              <code>{tk.prefix}</code> · by {tk.createdBy}, {when(tk.createdAt)}
              {tk.botName && <> · replies as “{tk.botName}”</>}
              {tk.expiresAt && <> · expires {when(tk.expiresAt)}</>}
            </div>
            <div className="small">
              Last used: {when(tk.lastUsedAt)}
              {tk.lastUsedIp && <> from {tk.lastUsedIp}</>}
              {tk.revokedAt && (
                <>
                  {' '}
                  · revoked by {tk.revokedBy}, {when(tk.revokedAt)}
                </>
              )}
            </div>
          </li>
        ))}
        {data?.tokens.length === 0 && <li className="list-group-item text-body-secondary">No tokens yet.</li>}
      </ul>
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
      <ConfirmDialog
        open={revoking !== undefined}
        title="Revoke this token?"
        confirmLabel="Revoke"
        danger
        onCancel={() => setRevoking(undefined)}
        onConfirm={() => {
          const id = revoking!.id;
          setRevoking(undefined);
          void api('POST', `/api/admin/api-tokens/${id}/revoke`).then(load, (e: unknown) =>
            setError(e instanceof ApiError ? e.message : 'Could not revoke it.'),
          );
        }}
      >
        “{revoking?.name}” stops working at once, everywhere. This cannot be undone.
      </ConfirmDialog>
    </div>
  );
}
