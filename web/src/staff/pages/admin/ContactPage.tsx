import { useCallback, useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api, ApiError } from '../../../shared/api.js';
import { ConfirmDialog } from '../../../shared/ui/ConfirmDialog.js';

interface ContactSummary {
  kind: 'customer' | 'visitor';
  id: string;
  name: string;
  email: string | null;
  createdAt: string;
  isActive: boolean | null;
  counts: { conversations: number; files: number; sessions: number; linkedVisitors: number };
  conversations: {
    id: string;
    status: string;
    displayName: string;
    topic: string | null;
    createdAt: string;
    lastMessageAt: string;
  }[];
  page: number;
  pageSize: number;
}

const PAGE_SIZE = 10;
const day = (iso: string) => new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' });

/**
 * Admin → a contact (customer or visitor): what is held about them, the download of all of it (zip), and the
 * erasure, each after a confirmation. Reached from Users (customers) and Message logs (any conversation).
 */
export function ContactPage(props: { kind: string; id: string }) {
  const [page, setPage] = useState(1);
  const [data, setData] = useState<ContactSummary>();
  const [error, setError] = useState<{ message: string; customerId?: string }>();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [erased, setErased] = useState<{ conversations: number; files: number }>();
  const base = `/api/admin/contacts/${encodeURIComponent(props.kind)}/${encodeURIComponent(props.id)}`;

  const load = useCallback(() => {
    api<ContactSummary>('GET', `${base}?page=${page}&pageSize=${PAGE_SIZE}`).then(
      (r) => {
        setData(r);
        setError(undefined);
      },
      (err: unknown) => {
        if (err instanceof ApiError) {
          const customerId = (err.details as { customerId?: string } | undefined)?.customerId;
          setError({ message: err.code === 'not_found' ? 'There is no such contact.' : err.message, customerId });
        } else setError({ message: 'Could not load this contact.' });
      },
    );
  }, [base, page]);
  useEffect(load, [load]);

  if (erased) {
    return (
      <div className="col-12 col-lg-8">
        <h1 className="h3">Contact erased</h1>
        <div className="alert alert-success" role="status">
          Erased {erased.conversations} conversation{erased.conversations === 1 ? '' : 's'} and {erased.files} file
          {erased.files === 1 ? '' : 's'}, with the account, devices and keys. The audit log keeps one line without
          personal data.
        </div>
        <Link href="/admin/users" className="btn btn-outline-secondary">
          Back to users
        </Link>
      </div>
    );
  }
  if (error) {
    return (
      <div className="col-12 col-lg-8">
        <h1 className="h3">Contact</h1>
        <div className="alert alert-warning" role="alert">
          {error.message}{' '}
          {error.customerId && <Link href={`/admin/contacts/customer/${error.customerId}`}>Open the customer</Link>}
        </div>
      </div>
    );
  }
  if (!data) return <p role="status">Loading…</p>;
  const pages = Math.max(1, Math.ceil(data.counts.conversations / PAGE_SIZE));
  return (
    <div className="row g-3">
      <div className="col-12 d-flex flex-wrap align-items-center gap-2">
        <h1 className="h3 me-auto mb-0">
          {data.name} <span className="badge text-bg-light border align-middle fs-6">{data.kind}</span>
        </h1>
        <a className="btn btn-outline-primary" href={`${base}/export`} download>
          Download all data (zip)
        </a>
        <button type="button" className="btn btn-danger" onClick={() => setConfirming(true)}>
          Erase all data
        </button>
      </div>
      <section className="col-12 col-lg-4" aria-labelledby="contact-held">
        <div className="card border-0 shadow-sm">
          <div className="card-body">
            <h2 id="contact-held" className="h5">
              What we hold
            </h2>
            <dl className="row mb-0">
              <dt className="col-12">E-mail</dt>
              <dd className="col-12 text-break">{data.email ?? '—'}</dd>
              <dt className="col-7">First seen</dt>
              <dd className="col-5">{day(data.createdAt)}</dd>
              {data.isActive !== null && (
                <>
                  <dt className="col-7">Account</dt>
                  <dd className="col-5">{data.isActive ? 'active' : 'deactivated'}</dd>
                </>
              )}
              <dt className="col-7">Conversations</dt>
              <dd className="col-5">{data.counts.conversations}</dd>
              <dt className="col-7">Files</dt>
              <dd className="col-5">{data.counts.files}</dd>
              <dt className="col-7">Sessions</dt>
              <dd className="col-5">{data.counts.sessions}</dd>
              {data.kind === 'customer' && (
                <>
                  <dt className="col-7">Earlier visitor identities</dt>
                  <dd className="col-5">{data.counts.linkedVisitors}</dd>
                </>
              )}
            </dl>
          </div>
        </div>
      </section>
      <section className="col-12 col-lg-8" aria-labelledby="contact-conversations">
        <div className="card border-0 shadow-sm">
          <div className="card-body">
            <h2 id="contact-conversations" className="h5">
              Conversations
            </h2>
            {data.conversations.length === 0 ? (
              <p className="text-body-secondary mb-0">None.</p>
            ) : (
              <ul className="list-group list-group-flush">
                {data.conversations.map((c) => (
                  <li key={c.id} className="list-group-item px-0 d-flex flex-wrap gap-2">
                    <span className="me-auto">
                      {c.displayName} · {c.topic ?? 'No topic'}
                    </span>
                    <span className="badge text-bg-secondary align-self-center">{c.status}</span>
                    <span className="small text-body-secondary">
                      {day(c.createdAt)} – {day(c.lastMessageAt)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
            {pages > 1 && (
              <nav className="mt-3" aria-label="Conversation pages">
                <ul className="pagination pagination-sm mb-0">
                  <li className={`page-item${page <= 1 ? ' disabled' : ''}`}>
                    <button type="button" className="page-link" disabled={page <= 1} onClick={() => setPage(page - 1)}>
                      Previous
                    </button>
                  </li>
                  <li className="page-item disabled">
                    <span className="page-link">
                      {page} / {pages}
                    </span>
                  </li>
                  <li className={`page-item${page >= pages ? ' disabled' : ''}`}>
                    <button
                      type="button"
                      className="page-link"
                      disabled={page >= pages}
                      onClick={() => setPage(page + 1)}
                    >
                      Next
                    </button>
                  </li>
                </ul>
              </nav>
            )}
          </div>
        </div>
      </section>
      <ConfirmDialog
        open={confirming}
        title={`Erase all data of ${data.name}?`}
        confirmLabel="Erase for good"
        danger
        busy={busy}
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setBusy(true);
          api<{ conversations: number; files: number }>('POST', `${base}/erase`).then(
            (r) => {
              setBusy(false);
              setConfirming(false);
              setErased(r);
            },
            (err: unknown) => {
              setBusy(false);
              setConfirming(false);
              setError({ message: err instanceof ApiError ? err.message : 'Erasing failed.' });
            },
          );
        }}
      >
        <p>
          {data.counts.conversations} conversation{data.counts.conversations === 1 ? '' : 's'} with their messages and{' '}
          {data.counts.files} file{data.counts.files === 1 ? '' : 's'}
          {data.kind === 'customer' ? ', the account' : ''} and every signed-in device are deleted, and the encryption
          keys shredded. This cannot be undone: download the data first if it must be handed over.
        </p>
      </ConfirmDialog>
    </div>
  );
}
