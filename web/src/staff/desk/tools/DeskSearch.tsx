import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { LabelView, SearchHit, SearchPage } from '../../../../../src/shared/desk-tools.js';
import type { MeResponse } from '../../../../../src/shared/identity.schemas.js';
import { api, ApiError } from '../../../shared/api.js';
import { LabelBadge } from './LabelBadge.js';
import { useLabels } from './use-labels.js';

const STATUS_LABEL: Record<string, string> = {
  waiting: 'Waiting',
  active: 'Active',
  snoozed: 'Snoozed',
  closed: 'Closed',
  left: 'Visitor left',
};

/** The snippet with every occurrence of the searched words marked (as text: never HTML). */
function Highlighted(props: { text: string; needle: string }) {
  if (!props.needle) return <>{props.text}</>;
  const lower = props.text.toLowerCase();
  const needle = props.needle.toLowerCase();
  const parts: (string | { mark: string })[] = [];
  let at = 0;
  for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + needle.length)) {
    parts.push(props.text.slice(at, i), { mark: props.text.slice(i, i + needle.length) });
    at = i + needle.length;
  }
  parts.push(props.text.slice(at));
  return <>{parts.map((p, i) => (typeof p === 'string' ? p : <mark key={i}>{p.mark}</mark>))}</>;
}

/** One search result or list row: who, where it stands, its labels, and the matching words. */
export function HitRow(props: { hit: SearchHit; needle?: string; onOpen: (id: string) => void }) {
  const h = props.hit;
  const status = h.snooze ? 'snoozed' : h.status;
  return (
    <li className="list-group-item list-group-item-action">
      <button
        type="button"
        className="btn btn-link p-0 w-100 text-start text-decoration-none text-body"
        onClick={() => props.onOpen(h.id)}
      >
        <span className="d-flex align-items-center gap-1 flex-wrap">
          <span className="fw-semibold me-auto">{h.displayName}</span>
          <span className="badge text-bg-light border">{STATUS_LABEL[status]}</span>
          {h.csatRating !== null && <span className="badge text-bg-light border">{h.csatRating}★</span>}
        </span>
        <span className="small text-body-secondary d-block text-truncate">
          {[h.email, h.topic, new Date(h.createdAt).toLocaleDateString()].filter(Boolean).join(' · ')}
          {h.agents.length > 0 && ` · ${h.agents.map((a) => a.name).join(', ')}`}
        </span>
        {h.snippet && (
          <span className="small d-block sc-snippet">
            <Highlighted text={h.snippet} needle={props.needle ?? ''} />
          </span>
        )}
      </button>
      {h.labels.length > 0 && (
        <span className="d-flex flex-wrap gap-1 mt-1">
          {h.labels.map((l: LabelView) => (
            <LabelBadge key={l.id} label={l} />
          ))}
        </span>
      )}
    </li>
  );
}

interface Filters {
  text: string;
  contact: string;
  status: string;
  agentId: string;
  labelId: string;
  from: string;
  to: string;
}
const EMPTY: Filters = { text: '', contact: '', status: '', agentId: '', labelId: '', from: '', to: '' };

/** Paged results of one query (a cursor; a text search may come back short and offer to search further). */
export function useSearch(query: Record<string, string> | null, version = 0) {
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [scanned, setScanned] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const key = `${version}:${JSON.stringify(query)}`;
  const fetchPage = async (after: string | null, reset: boolean) => {
    if (!query) return;
    setBusy(true);
    try {
      const params = new URLSearchParams({ ...query, ...(after ? { cursor: after } : {}) });
      const page = await api<SearchPage>('GET', `/api/staff/search?${params.toString()}`);
      setHits((h) => (reset ? page.hits : [...h, ...page.hits]));
      setCursor(page.nextCursor);
      setScanned((s) => (reset ? page.scanned : s + page.scanned));
      setError(undefined);
    } catch (e) {
      setError(e instanceof ApiError ? (Object.values(e.fields)[0] ?? e.message) : 'The search failed.');
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    setHits([]);
    setCursor(null);
    void fetchPage(null, true);
  }, [key]);
  return {
    hits,
    cursor,
    scanned,
    busy,
    error,
    more: () => void fetchPage(cursor, false),
    reload: () => void fetchPage(null, true),
  };
}

/**
 * Search from the desk: words (matched in decrypted messages and notes), the contact's name or e-mail, status, agent,
 * label and dates. Results open as tabs (read-only until joined).
 */
export function DeskSearch(props: { me: MeResponse; onOpen: (id: string) => void }) {
  const labels = useLabels();
  const [form, setForm] = useState<Filters>(EMPTY);
  const [query, setQuery] = useState<Record<string, string> | null>(null);
  const [agents, setAgents] = useState<{ id: string; name: string }[]>([]);
  const results = useSearch(query);
  useEffect(() => {
    if (props.me.role !== 'admin') return;
    void Promise.all(
      ['agent', 'admin'].map((role) =>
        api<{ users: { id: string; displayName: string }[] }>('GET', `/api/admin/users?role=${role}&pageSize=100`),
      ),
    ).then(
      (pages) => setAgents(pages.flatMap((p) => p.users.map((u) => ({ id: u.id, name: u.displayName })))),
      () => undefined,
    );
  }, [props.me.role]);

  const set = (key: keyof Filters) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const q: Record<string, string> = {};
    for (const [k, v] of Object.entries(form))
      if (v.trim()) q[k] = k === 'agentId' && v === 'me' ? props.me.id : v.trim();
    setQuery(Object.keys(q).length > 0 ? q : null);
  };
  const filtersOn = ['status', 'agentId', 'labelId', 'from', 'to'].filter((k) => form[k as keyof Filters]).length;
  return (
    <section className="card border-0 shadow-sm mb-3" aria-labelledby="search-title">
      <div className="card-body">
        <h2 id="search-title" className="h6">
          Search conversations
        </h2>
        <form onSubmit={submit} role="search" aria-label="Conversations">
          <div className="input-group input-group-sm mb-2">
            <input
              className="form-control"
              type="search"
              placeholder="Words in messages or notes"
              aria-label="Words in messages or notes"
              value={form.text}
              onChange={set('text')}
            />
            <button type="submit" className="btn btn-primary">
              Search
            </button>
          </div>
          <input
            className="form-control form-control-sm mb-2"
            type="search"
            placeholder="Name or e-mail"
            aria-label="Contact name or e-mail"
            value={form.contact}
            onChange={set('contact')}
          />
          <details className="small">
            <summary>More filters{filtersOn > 0 ? ` (${filtersOn})` : ''}</summary>
            <div className="row g-2 mt-1">
              <div className="col-6">
                <label className="form-label mb-0" htmlFor="search-status">
                  Status
                </label>
                <select
                  id="search-status"
                  className="form-select form-select-sm"
                  value={form.status}
                  onChange={set('status')}
                >
                  <option value="">Any</option>
                  {Object.entries(STATUS_LABEL).map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </select>
              </div>
              <div className="col-6">
                <label className="form-label mb-0" htmlFor="search-agent">
                  Agent
                </label>
                <select
                  id="search-agent"
                  className="form-select form-select-sm"
                  value={form.agentId}
                  onChange={set('agentId')}
                >
                  <option value="">Anyone</option>
                  <option value="me">Me</option>
                  {agents
                    .filter((a) => a.id !== props.me.id)
                    .map((a) => (
                      <option key={a.id} value={a.id}>
                        {a.name}
                      </option>
                    ))}
                </select>
              </div>
              <div className="col-12">
                <label className="form-label mb-0" htmlFor="search-label">
                  Label
                </label>
                <select
                  id="search-label"
                  className="form-select form-select-sm"
                  value={form.labelId}
                  onChange={set('labelId')}
                >
                  <option value="">Any</option>
                  {labels.map((l) => (
                    <option key={l.id} value={l.id}>
                      {l.name}
                    </option>
                  ))}
                </select>
              </div>
              <div className="col-6">
                <label className="form-label mb-0" htmlFor="search-from">
                  Started from
                </label>
                <input
                  id="search-from"
                  type="date"
                  className="form-control form-control-sm"
                  value={form.from}
                  onChange={set('from')}
                />
              </div>
              <div className="col-6">
                <label className="form-label mb-0" htmlFor="search-to">
                  to
                </label>
                <input
                  id="search-to"
                  type="date"
                  className="form-control form-control-sm"
                  value={form.to}
                  onChange={set('to')}
                />
              </div>
            </div>
          </details>
        </form>
      </div>
      {query && (
        <div aria-live="polite">
          {results.error && (
            <div className="alert alert-danger mx-3 py-2" role="alert">
              {results.error}
            </div>
          )}
          <ul className="list-group list-group-flush sc-search-results" aria-label="Search results">
            {results.hits.map((h) => (
              <HitRow key={h.id} hit={h} needle={query.text} onOpen={props.onOpen} />
            ))}
            {!results.busy && results.hits.length === 0 && !results.error && (
              <li className="list-group-item small text-body-secondary">
                {results.cursor
                  ? `No match in the ${results.scanned} newest conversations yet.`
                  : 'No conversation matches.'}
              </li>
            )}
          </ul>
          <div className="card-footer bg-body d-flex align-items-center gap-2 small">
            <span className="me-auto text-body-secondary">
              {results.busy ? 'Searching…' : `${results.hits.length} shown`}
            </span>
            {results.cursor && (
              <button
                type="button"
                className="btn btn-sm btn-outline-secondary"
                disabled={results.busy}
                onClick={results.more}
              >
                {results.hits.length === 0 ? 'Search further' : 'More results'}
              </button>
            )}
            <button type="button" className="btn btn-sm btn-link" onClick={() => (setForm(EMPTY), setQuery(null))}>
              Clear
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

/** The agent's snoozed conversations (a search for status "snoozed" and this agent), paged; `version` reloads. */
export function SnoozedList(props: { me: MeResponse; onOpen: (id: string) => void; version: number }) {
  const query = useMemo(() => ({ status: 'snoozed', agentId: props.me.id, pageSize: '25' }), [props.me.id]);
  const results = useSearch(query, props.version);
  return (
    <>
      <ul className="list-group list-group-flush">
        {results.hits.length === 0 && !results.busy && (
          <li className="list-group-item text-body-secondary small">Nothing snoozed.</li>
        )}
        {results.hits.map((h) => (
          <HitRow key={h.id} hit={h} onOpen={props.onOpen} />
        ))}
      </ul>
      {results.cursor && (
        <div className="card-footer bg-body text-end">
          <button type="button" className="btn btn-sm btn-outline-secondary" onClick={results.more}>
            More
          </button>
        </div>
      )}
    </>
  );
}
