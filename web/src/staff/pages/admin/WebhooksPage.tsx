import { useCallback, useEffect, useState } from 'react';
import {
  WEBHOOK_EVENT_LABELS,
  WEBHOOK_EVENTS,
  type WebhookDeliveryView,
  type WebhookEndpointView,
  type WebhookEventType,
} from '../../../../../src/shared/integrations.js';
import { api, ApiError } from '../../../shared/api.js';
import { ConfirmDialog } from '../../../shared/ui/ConfirmDialog.js';
import { Field, FormError } from '../../../shared/ui/forms.js';

const PAGE_SIZE = 25;
const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');
const STATUS_BADGE: Record<WebhookDeliveryView['status'], string> = {
  delivered: 'text-bg-success',
  pending: 'text-bg-warning',
  failed: 'text-bg-danger',
};

/** A signing secret, once. */
function Secret(props: { secret: string; title: string; onDone: () => void }) {
  return (
    <div className="alert alert-success" role="status">
      <h2 className="h6">{props.title}</h2>
      <p className="mb-2">
        Copy the signing secret now: it is shown only once. Your receiver checks each delivery with it (see the
        integrations guide).
      </p>
      <label className="visually-hidden" htmlFor="webhook-secret">
        Signing secret
      </label>
      <input id="webhook-secret" className="form-control font-monospace mb-2" readOnly value={props.secret} />
      <button type="button" className="btn btn-sm btn-success" onClick={props.onDone}>
        I have stored it
      </button>
    </div>
  );
}

function NewEndpointForm(props: { onCreated: (secret: string) => void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<WebhookEventType[]>(['conversation.created', 'message.created']);
  const [includeNotes, setIncludeNotes] = useState(false);
  const [allowPrivateNetwork, setAllowPrivateNetwork] = useState(false);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const submit = async () => {
    setFields({});
    setError(undefined);
    try {
      const r = await api<{ secret: string }>('POST', '/api/admin/webhooks', {
        url,
        description,
        events,
        includeNotes,
        allowPrivateNetwork,
      });
      setUrl('');
      setDescription('');
      props.onCreated(r.secret);
    } catch (e) {
      if (e instanceof ApiError) {
        setFields(e.fieldPaths);
        if (Object.keys(e.fieldPaths).length === 0) setError(e.message);
      } else setError('That did not work.');
    }
  };
  return (
    <form
      className="card-body"
      aria-labelledby="new-endpoint-heading"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2 id="new-endpoint-heading" className="h5">
        New endpoint
      </h2>
      <FormError error={error} />
      <Field
        label="URL"
        name="url"
        type="url"
        required
        value={url}
        placeholder="https://hooks.example.com/support"
        hint="https:// and a public address; deliveries are POSTed as JSON and signed"
        error={fields.url}
        onChange={(e) => setUrl(e.target.value)}
      />
      <Field
        label="Description"
        name="description"
        value={description}
        maxLength={200}
        error={fields.description}
        onChange={(e) => setDescription(e.target.value)}
      />
      <fieldset className="mb-3">
        <legend className="form-label fs-6">Events</legend>
        {WEBHOOK_EVENTS.map((ev) => (
          <div className="form-check" key={ev}>
            <input
              className="form-check-input"
              type="checkbox"
              id={`event-${ev}`}
              checked={events.includes(ev)}
              onChange={(e) => setEvents((l) => (e.target.checked ? [...l, ev] : l.filter((x) => x !== ev)))}
            />
            <label className="form-check-label" htmlFor={`event-${ev}`}>
              <code>{ev}</code> — {WEBHOOK_EVENT_LABELS[ev]}
            </label>
          </div>
        ))}
        {fields.events && (
          <div className="invalid-feedback d-block" role="alert">
            Events {fields.events}
          </div>
        )}
      </fieldset>
      <div className="form-check mb-2">
        <input
          className="form-check-input"
          type="checkbox"
          id="endpoint-notes"
          checked={includeNotes}
          onChange={(e) => setIncludeNotes(e.target.checked)}
        />
        <label className="form-check-label" htmlFor="endpoint-notes">
          Include private notes (staff-only messages) in message.created
        </label>
      </div>
      <div className="form-check mb-3">
        <input
          className="form-check-input"
          type="checkbox"
          id="endpoint-private"
          checked={allowPrivateNetwork}
          onChange={(e) => setAllowPrivateNetwork(e.target.checked)}
          aria-describedby="endpoint-private-hint"
        />
        <label className="form-check-label" htmlFor="endpoint-private">
          Allow private network targets
        </label>
        <div id="endpoint-private-hint" className="form-text">
          Only for a receiver on your own network: lets this endpoint reach loopback, private and link-local addresses
          (and plain http://), which are refused otherwise.
        </div>
      </div>
      <button type="submit" className="btn btn-primary" disabled={!url.trim() || events.length === 0}>
        Add endpoint
      </button>
    </form>
  );
}

function DeliveryLog(props: { endpoints: WebhookEndpointView[]; reloadKey: number }) {
  const [endpointId, setEndpointId] = useState('');
  const [status, setStatus] = useState('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ deliveries: WebhookDeliveryView[]; total: number }>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const load = useCallback(() => {
    const q = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE) });
    if (endpointId) q.set('endpointId', endpointId);
    if (status) q.set('status', status);
    return api<{ deliveries: WebhookDeliveryView[]; total: number }>('GET', `/api/admin/webhook-deliveries?${q}`).then(
      (d) => {
        setData(d);
        setError(undefined);
      },
      (e: unknown) => setError(e instanceof ApiError ? e.message : 'Could not load the delivery log.'),
    );
  }, [endpointId, status, page]);
  useEffect(() => void load(), [load, props.reloadKey]);
  const pages = data ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : 1;
  return (
    <section aria-labelledby="log-heading">
      <div className="d-flex flex-wrap align-items-center gap-2 mb-2">
        <h2 id="log-heading" className="h5 me-auto mb-0">
          Delivery log
        </h2>
        <label htmlFor="log-endpoint" className="small mb-0">
          Endpoint
        </label>
        <select
          id="log-endpoint"
          className="form-select form-select-sm w-auto mw-100"
          value={endpointId}
          onChange={(e) => {
            setEndpointId(e.target.value);
            setPage(1);
          }}
        >
          <option value="">All endpoints</option>
          {props.endpoints.map((e) => (
            <option key={e.id} value={e.id}>
              {e.url}
            </option>
          ))}
        </select>
        <label htmlFor="log-status" className="small mb-0">
          Status
        </label>
        <select
          id="log-status"
          className="form-select form-select-sm w-auto"
          value={status}
          onChange={(e) => {
            setStatus(e.target.value);
            setPage(1);
          }}
        >
          <option value="">Any</option>
          <option value="delivered">Delivered</option>
          <option value="pending">Pending (retrying)</option>
          <option value="failed">Failed</option>
        </select>
        <button type="button" className="btn btn-sm btn-outline-secondary" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <FormError error={error} />
      {notice && (
        <div className="alert alert-info py-2" role="status">
          {notice}
        </div>
      )}
      <ol className="list-unstyled card border-0 shadow-sm mb-0 sc-delivery-list" aria-label="Deliveries">
        {data?.deliveries.map((d) => (
          <li key={d.id} className="sc-delivery border-bottom p-2">
            <div className="d-flex flex-wrap align-items-center gap-2">
              <span className={`badge ${STATUS_BADGE[d.status]}`}>{d.status}</span>
              <code>{d.event}</code>
              <span className="small text-break me-auto">{d.endpointUrl}</span>
              <time className="small text-body-secondary" dateTime={d.createdAt}>
                {when(d.createdAt)}
              </time>
            </div>
            <div className="small mt-1">
              {d.responseStatus !== null ? `HTTP ${d.responseStatus}` : 'No response'}
              {d.latencyMs !== null && ` · ${d.latencyMs} ms`} · {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
              {d.nextAttemptAt && ` · next try ${when(d.nextAttemptAt)}`}
              {d.redeliveryOf && ' · redelivery'}
            </div>
            {d.error && <div className="small text-danger-emphasis">{d.error}</div>}
            {d.responseSnippet && (
              <details className="small">
                <summary>Response</summary>
                <pre className="sc-snippet mb-1">{d.responseSnippet}</pre>
              </details>
            )}
            <button
              type="button"
              className="btn btn-sm btn-outline-primary mt-1"
              aria-label={`Redeliver ${d.event} to ${d.endpointUrl}`}
              onClick={() =>
                void api('POST', `/api/admin/webhook-deliveries/${d.id}/redeliver`).then(
                  () => {
                    setNotice(`Redelivery of ${d.event} queued.`);
                    return load();
                  },
                  (e: unknown) => setError(e instanceof ApiError ? e.message : 'Could not redeliver.'),
                )
              }
            >
              Redeliver
            </button>
          </li>
        ))}
        {data?.deliveries.length === 0 && <li className="text-center text-body-secondary py-4">No deliveries yet.</li>}
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
    </section>
  );
}

/** Admin → Webhooks: endpoints that receive signed events, and the log of every delivery (with redeliver). */
export function WebhooksPage() {
  const [endpoints, setEndpoints] = useState<WebhookEndpointView[]>([]);
  const [secret, setSecret] = useState<{ secret: string; title: string }>();
  const [error, setError] = useState<string>();
  const [deleting, setDeleting] = useState<WebhookEndpointView>();
  const [reloadKey, setReloadKey] = useState(0);
  const load = useCallback(
    () =>
      api<{ endpoints: WebhookEndpointView[] }>('GET', '/api/admin/webhooks?pageSize=100').then(
        (r) => setEndpoints(r.endpoints),
        (e: unknown) => setError(e instanceof ApiError ? e.message : 'Could not load the endpoints.'),
      ),
    [],
  );
  useEffect(() => void load(), [load]);
  const run = (p: Promise<unknown>) =>
    p.then(
      () => {
        setError(undefined);
        setReloadKey((k) => k + 1);
        return load();
      },
      (e: unknown) => setError(e instanceof ApiError ? e.message : 'That did not work.'),
    );
  return (
    <div>
      <h1 className="h3">Webhooks</h1>
      <p className="text-body-secondary">
        Support Central POSTs each event to these URLs as JSON, signed with the endpoint’s secret, and retries for a day
        when the receiver does not answer 2xx. Every delivery is logged below.
      </p>
      {secret && <Secret {...secret} onDone={() => setSecret(undefined)} />}
      <FormError error={error} />
      <div className="card border-0 shadow-sm mb-4">
        <NewEndpointForm
          onCreated={(s) => {
            setSecret({ secret: s, title: 'Endpoint added' });
            void load();
          }}
        />
      </div>
      <h2 className="h5">Endpoints</h2>
      <ul className="list-group shadow-sm mb-4">
        {endpoints.map((e) => (
          <li key={e.id} className="list-group-item sc-endpoint">
            <div className="d-flex flex-wrap align-items-center gap-2">
              <span className="fw-semibold text-break me-auto">{e.url}</span>
              <span className={`badge ${e.isActive ? 'text-bg-success' : 'text-bg-secondary'}`}>
                {e.isActive ? 'Active' : 'Paused'}
              </span>
            </div>
            {e.description && <div className="small">{e.description}</div>}
            <div className="small text-body-secondary">
              {e.events.join(', ')}
              {e.includeNotes && ' · with private notes'}
              {e.allowPrivateNetwork && ' · private network allowed'} · last 24 h: {e.recent.delivered} delivered,{' '}
              {e.recent.pending} pending, {e.recent.failed} failed
            </div>
            <div className="d-flex flex-wrap gap-2 mt-2">
              <button
                type="button"
                className="btn btn-sm btn-outline-secondary"
                onClick={() => void run(api('PATCH', `/api/admin/webhooks/${e.id}`, { isActive: !e.isActive }))}
              >
                {e.isActive ? 'Pause' : 'Resume'}
              </button>
              <button
                type="button"
                className="btn btn-sm btn-outline-secondary"
                onClick={() =>
                  void api<{ secret: string }>('POST', `/api/admin/webhooks/${e.id}/rotate-secret`).then(
                    (r) => setSecret({ secret: r.secret, title: `New secret for ${e.url}` }),
                    (err: unknown) => setError(err instanceof ApiError ? err.message : 'Could not rotate the secret.'),
                  )
                }
              >
                Rotate secret
              </button>
              <button
                type="button"
                className="btn btn-sm btn-outline-danger"
                aria-label={`Delete ${e.url}`}
                onClick={() => setDeleting(e)}
              >
                Delete
              </button>
            </div>
          </li>
        ))}
        {endpoints.length === 0 && <li className="list-group-item text-body-secondary">No endpoints yet.</li>}
      </ul>
      <DeliveryLog endpoints={endpoints} reloadKey={reloadKey} />
      <ConfirmDialog
        open={deleting !== undefined}
        title="Delete this endpoint?"
        confirmLabel="Delete"
        danger
        onCancel={() => setDeleting(undefined)}
        onConfirm={() => {
          const id = deleting!.id;
          setDeleting(undefined);
          void run(api('DELETE', `/api/admin/webhooks/${id}`));
        }}
      >
        {deleting?.url} stops receiving events, and its delivery log is deleted.
      </ConfirmDialog>
    </div>
  );
}
