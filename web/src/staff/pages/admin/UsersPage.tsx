import { useCallback, useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api, ApiError } from '../../../shared/api.js';
import { ConfirmDialog } from '../../../shared/ui/ConfirmDialog.js';
import { Field, FormError, SubmitButton, text, useSubmit } from '../../../shared/ui/forms.js';
import { useStaffSession } from '../../session.js';

interface UserView {
  id: string;
  role: 'customer' | 'agent' | 'admin';
  username: string;
  email: string;
  displayName: string;
  firstName: string;
  lastName: string;
  jobTitle: string;
  departments: string[];
  isActive: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

type Kind = 'staff' | 'customers';
type Dialog =
  | { type: 'create' }
  | { type: 'edit'; user: UserView }
  | { type: 'reset'; user: UserView }
  | { type: 'deactivate' | 'reactivate' | 'delete' | 'two-factor'; user: UserView }
  | null;

const PAGE_SIZE = 25;

/** Admin → Users: list and search staff and customers; create, edit, deactivate, reset, delete. */
export function UsersPage() {
  const { me } = useStaffSession();
  const [kind, setKind] = useState<Kind>('staff');
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ users: UserView[]; total: number } | null>(null);
  const [error, setError] = useState<string>();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const q = new URLSearchParams({ kind, page: String(page), pageSize: String(PAGE_SIZE) });
    if (search.trim()) q.set('search', search.trim());
    try {
      setData(await api('GET', `/api/admin/users?${q}`));
      setError(undefined);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not load users.');
    }
  }, [kind, page, search]);

  useEffect(() => {
    const timer = setTimeout(() => void load(), 200);
    return () => clearTimeout(timer);
  }, [load]);

  const act = async (path: string, method: 'POST' | 'DELETE', done: string) => {
    setBusy(true);
    try {
      await api(method, path);
      setNotice(done);
      setDialog(null);
      await load();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'That did not work.');
      setDialog(null);
    } finally {
      setBusy(false);
    }
  };

  const pages = data ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : 1;
  return (
    <div>
      <div className="d-flex flex-wrap align-items-center gap-2 mb-3">
        <h1 className="h3 me-auto mb-0">Users</h1>
        <button type="button" className="btn btn-primary" onClick={() => setDialog({ type: 'create' })}>
          New staff member
        </button>
      </div>
      <div className="d-flex flex-wrap gap-2 mb-3 align-items-center">
        <div className="btn-group" role="group" aria-label="Which accounts">
          {(['staff', 'customers'] as const).map((k) => (
            <button
              key={k}
              type="button"
              className={`btn ${kind === k ? 'btn-secondary' : 'btn-outline-secondary'}`}
              aria-pressed={kind === k}
              onClick={() => {
                setKind(k);
                setPage(1);
              }}
            >
              {k === 'staff' ? 'Staff' : 'Customers'}
            </button>
          ))}
        </div>
        <label className="visually-hidden" htmlFor="user-search">
          Search users
        </label>
        <input
          id="user-search"
          type="search"
          className="form-control sc-search"
          placeholder="Search name, username or e-mail"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setPage(1);
          }}
        />
        {data && <span className="text-body-secondary small ms-auto">{data.total} in all</span>}
      </div>
      {notice && (
        <div className="alert alert-success alert-dismissible py-2" role="status">
          {notice}
          <button type="button" className="btn-close" aria-label="Dismiss" onClick={() => setNotice(undefined)} />
        </div>
      )}
      {error && (
        <div className="alert alert-danger py-2" role="alert">
          {error}
        </div>
      )}
      <div
        className="table-responsive card border-0 shadow-sm"
        tabIndex={0}
        role="region"
        aria-label="Table (scrolls sideways on small screens)"
      >
        <table className="table table-hover align-middle mb-0">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Username</th>
              <th scope="col" className="d-none d-md-table-cell">
                E-mail
              </th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col" className="text-end">
                Actions
              </th>
            </tr>
          </thead>
          <tbody>
            {data?.users.map((u) => (
              <tr key={u.id}>
                <td>
                  <div className="fw-semibold">{u.displayName}</div>
                  {u.jobTitle && <div className="small text-body-secondary">{u.jobTitle}</div>}
                </td>
                <td>{u.username}</td>
                <td className="d-none d-md-table-cell">{u.email}</td>
                <td>
                  <span
                    className={`badge ${u.role === 'admin' ? 'text-bg-dark' : u.role === 'agent' ? 'text-bg-primary' : 'text-bg-light border'}`}
                  >
                    {u.role}
                  </span>
                </td>
                <td>
                  {u.isActive ? (
                    <span className="text-success">Active</span>
                  ) : (
                    <span className="text-danger">Deactivated</span>
                  )}
                </td>
                <td className="text-end text-nowrap">
                  {u.role === 'customer' && (
                    <Link
                      href={`/admin/contacts/customer/${u.id}`}
                      className="btn btn-sm btn-outline-primary me-1"
                      aria-label={`Personal data of ${u.username}: download or erase`}
                    >
                      Data
                    </Link>
                  )}
                  {u.role !== 'customer' && u.id !== me?.id && (
                    <button
                      type="button"
                      className="btn btn-sm btn-outline-secondary me-1"
                      onClick={() => setDialog({ type: 'two-factor', user: u })}
                    >
                      Reset 2FA
                    </button>
                  )}
                  {u.role !== 'customer' && (
                    <button
                      type="button"
                      className="btn btn-sm btn-outline-secondary me-1"
                      onClick={() => setDialog({ type: 'edit', user: u })}
                    >
                      Edit
                    </button>
                  )}
                  <button
                    type="button"
                    className="btn btn-sm btn-outline-secondary me-1"
                    onClick={() => setDialog({ type: 'reset', user: u })}
                  >
                    Reset password
                  </button>
                  {u.id !== me?.id &&
                    (u.isActive ? (
                      <button
                        type="button"
                        className="btn btn-sm btn-outline-warning me-1"
                        onClick={() => setDialog({ type: 'deactivate', user: u })}
                      >
                        Deactivate
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="btn btn-sm btn-outline-success me-1"
                        onClick={() => setDialog({ type: 'reactivate', user: u })}
                      >
                        Reactivate
                      </button>
                    ))}
                  {u.id !== me?.id && (
                    <button
                      type="button"
                      className="btn btn-sm btn-outline-danger"
                      onClick={() => setDialog({ type: 'delete', user: u })}
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
            {data?.users.length === 0 && (
              <tr>
                <td colSpan={6} className="text-center text-body-secondary py-4">
                  No {kind === 'staff' ? 'staff members' : 'customers'} match.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {pages > 1 && (
        <nav className="mt-3" aria-label="Pages">
          <ul className="pagination">
            <li className={`page-item ${page <= 1 ? 'disabled' : ''}`}>
              <button type="button" className="page-link" onClick={() => setPage((p) => p - 1)} disabled={page <= 1}>
                Previous
              </button>
            </li>
            <li className="page-item disabled">
              <span className="page-link">
                Page {page} of {pages}
              </span>
            </li>
            <li className={`page-item ${page >= pages ? 'disabled' : ''}`}>
              <button
                type="button"
                className="page-link"
                onClick={() => setPage((p) => p + 1)}
                disabled={page >= pages}
              >
                Next
              </button>
            </li>
          </ul>
        </nav>
      )}

      {(dialog?.type === 'create' || dialog?.type === 'edit') && (
        <StaffFormDialog
          user={dialog.type === 'edit' ? dialog.user : undefined}
          onClose={() => setDialog(null)}
          onSaved={(message) => {
            setDialog(null);
            setNotice(message);
            void load();
          }}
        />
      )}
      {dialog?.type === 'reset' && (
        <ResetPasswordDialog
          user={dialog.user}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            setNotice(`New password set for ${dialog.user.username}; their sessions were ended.`);
          }}
        />
      )}
      <ConfirmDialog
        open={dialog?.type === 'deactivate'}
        title="Deactivate this account?"
        confirmLabel="Deactivate"
        danger
        busy={busy}
        onCancel={() => setDialog(null)}
        onConfirm={() =>
          dialog &&
          'user' in dialog &&
          void act(`/api/admin/users/${dialog.user.id}/deactivate`, 'POST', `${dialog.user.username} was deactivated.`)
        }
      >
        {dialog && 'user' in dialog && (
          <>
            <strong>{dialog.user.displayName}</strong> ({dialog.user.username}) is signed out everywhere at once and
            cannot sign in until reactivated.
          </>
        )}
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog?.type === 'reactivate'}
        title="Reactivate this account?"
        confirmLabel="Reactivate"
        busy={busy}
        onCancel={() => setDialog(null)}
        onConfirm={() =>
          dialog &&
          'user' in dialog &&
          void act(
            `/api/admin/users/${dialog.user.id}/reactivate`,
            'POST',
            `${dialog.user.username} can sign in again.`,
          )
        }
      >
        {dialog && 'user' in dialog && <>{dialog.user.displayName} will be able to sign in again.</>}
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog?.type === 'two-factor'}
        title="Turn off two-factor sign-in?"
        confirmLabel="Turn off"
        danger
        busy={busy}
        onCancel={() => setDialog(null)}
        onConfirm={() =>
          dialog &&
          'user' in dialog &&
          void act(
            `/api/admin/users/${dialog.user.id}/two-factor/reset`,
            'POST',
            `Two-factor sign-in is off for ${dialog.user.username}; their sessions were ended.`,
          )
        }
      >
        {dialog && 'user' in dialog && (
          <>
            For someone who lost their phone and their recovery codes: <strong>{dialog.user.displayName}</strong> is
            signed out everywhere and signs in with the password alone until they set it up again.
          </>
        )}
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog?.type === 'delete'}
        title="Delete this account?"
        confirmLabel="Delete for good"
        danger
        busy={busy}
        onCancel={() => setDialog(null)}
        onConfirm={() =>
          dialog &&
          'user' in dialog &&
          void act(`/api/admin/users/${dialog.user.id}`, 'DELETE', `${dialog.user.username} was deleted.`)
        }
      >
        {dialog && 'user' in dialog && (
          <>
            <strong>{dialog.user.displayName}</strong> ({dialog.user.username}) will be deleted.{' '}
            {dialog.user.role === 'customer'
              ? 'Their conversations, messages and files are erased too. This cannot be undone.'
              : 'Messages they sent keep the name they were sent with. This cannot be undone.'}
          </>
        )}
      </ConfirmDialog>
    </div>
  );
}

function StaffFormDialog(props: { user?: UserView; onClose: () => void; onSaved: (message: string) => void }) {
  const u = props.user;
  const { onSubmit, state } = useSubmit(
    (data) => {
      const departments = text(data, 'departments')
        .split(',')
        .map((d) => d.trim())
        .filter(Boolean);
      const common = {
        role: text(data, 'role'),
        email: text(data, 'email'),
        firstName: text(data, 'firstName'),
        lastName: text(data, 'lastName'),
        jobTitle: text(data, 'jobTitle'),
        departments,
      };
      return u
        ? api('PATCH', `/api/admin/users/${u.id}`, common)
        : api('POST', '/api/admin/users', {
            ...common,
            username: text(data, 'username'),
            password: text(data, 'password'),
          });
    },
    () => props.onSaved(u ? 'Changes saved.' : 'Staff member created. They can sign in now.'),
  );
  return (
    <>
      <div className="modal d-block" role="dialog" aria-modal="true" aria-labelledby="staff-form-title">
        <div className="modal-dialog modal-dialog-centered modal-lg">
          <form className="modal-content" onSubmit={onSubmit} noValidate>
            <div className="modal-header">
              <h2 id="staff-form-title" className="modal-title h5">
                {u ? `Edit ${u.username}` : 'New staff member'}
              </h2>
              <button type="button" className="btn-close" aria-label="Close" onClick={props.onClose} />
            </div>
            <div className="modal-body">
              <FormError error={state.error} />
              <div className="row">
                <div className="col-md-6">
                  <Field
                    label="First name"
                    name="firstName"
                    defaultValue={u?.firstName}
                    required
                    error={state.fields.firstName}
                  />
                </div>
                <div className="col-md-6">
                  <Field
                    label="Last name"
                    name="lastName"
                    defaultValue={u?.lastName}
                    required
                    error={state.fields.lastName}
                  />
                </div>
                {!u && (
                  <div className="col-md-6">
                    <Field label="Username" name="username" required autoComplete="off" error={state.fields.username} />
                  </div>
                )}
                <div className="col-md-6">
                  <Field
                    label="E-mail"
                    name="email"
                    type="email"
                    defaultValue={u?.email}
                    required
                    error={state.fields.email}
                  />
                </div>
                <div className="col-md-6">
                  <Field
                    label="Job title"
                    name="jobTitle"
                    defaultValue={u?.jobTitle}
                    placeholder="Course Assistant"
                    error={state.fields.jobTitle}
                  />
                </div>
                <div className="col-md-6">
                  <Field
                    label="Departments"
                    name="departments"
                    defaultValue={u?.departments.join(', ')}
                    hint="Comma-separated"
                    error={state.fields.departments}
                  />
                </div>
                <div className="col-md-6 mb-3">
                  <label htmlFor="staff-role" className="form-label">
                    Role
                  </label>
                  <select id="staff-role" name="role" className="form-select" defaultValue={u?.role ?? 'agent'}>
                    <option value="agent">Agent — answers conversations</option>
                    <option value="admin">Admin — also manages users and settings</option>
                  </select>
                </div>
                {!u && (
                  <div className="col-md-6">
                    <Field
                      label="Initial password"
                      name="password"
                      type="password"
                      autoComplete="new-password"
                      required
                      error={state.fields.password}
                      hint="At least 10 characters; share it securely."
                    />
                  </div>
                )}
              </div>
            </div>
            <div className="modal-footer">
              <button type="button" className="btn btn-outline-secondary" onClick={props.onClose}>
                Cancel
              </button>
              <SubmitButton busy={state.busy} className="btn btn-primary">
                {u ? 'Save changes' : 'Create'}
              </SubmitButton>
            </div>
          </form>
        </div>
      </div>
      <div className="modal-backdrop show" />
    </>
  );
}

function ResetPasswordDialog(props: { user: UserView; onClose: () => void; onDone: () => void }) {
  const { onSubmit, state } = useSubmit(
    (data) =>
      api('POST', `/api/admin/users/${props.user.id}/reset-password`, { newPassword: text(data, 'newPassword') }),
    props.onDone,
  );
  return (
    <>
      <div className="modal d-block" role="dialog" aria-modal="true" aria-labelledby="reset-title">
        <div className="modal-dialog modal-dialog-centered">
          <form className="modal-content" onSubmit={onSubmit} noValidate>
            <div className="modal-header">
              <h2 id="reset-title" className="modal-title h5">
                Reset password for {props.user.username}
              </h2>
              <button type="button" className="btn-close" aria-label="Close" onClick={props.onClose} />
            </div>
            <div className="modal-body">
              <FormError error={state.error} />
              <p className="small text-body-secondary">
                They will be signed out everywhere. Give them the new password securely.
              </p>
              <Field
                label="New password"
                name="newPassword"
                type="text"
                autoComplete="off"
                required
                error={state.fields.newPassword}
              />
            </div>
            <div className="modal-footer">
              <button type="button" className="btn btn-outline-secondary" onClick={props.onClose}>
                Cancel
              </button>
              <SubmitButton busy={state.busy} className="btn btn-primary">
                Set password
              </SubmitButton>
            </div>
          </form>
        </div>
      </div>
      <div className="modal-backdrop show" />
    </>
  );
}
