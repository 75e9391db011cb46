import { useCallback, useEffect, useState } from 'react';
import type { CannedReplyView } from '../../../../../src/shared/canned.js';
import { api, ApiError } from '../../../shared/api.js';
import { ConfirmDialog } from '../../../shared/ui/ConfirmDialog.js';
import { Field, FormError, SubmitButton, text, useSubmit } from '../../../shared/ui/forms.js';

/** Admin → Canned replies: title, /shortcut and text with {{visitor.name}}, {{agent.name}}, {{agent.title}}. */
export function CannedRepliesPage() {
  const [items, setItems] = useState<CannedReplyView[]>([]);
  const [editing, setEditing] = useState<CannedReplyView | 'new' | null>(null);
  const [deleting, setDeleting] = useState<CannedReplyView | null>(null);
  const [error, setError] = useState<string>();
  const load = useCallback(
    () =>
      api<{ cannedReplies: CannedReplyView[] }>('GET', '/api/staff/canned-replies').then((r) =>
        setItems(r.cannedReplies),
      ),
    [],
  );
  useEffect(() => void load(), [load]);
  const current = editing === 'new' ? undefined : (editing ?? undefined);
  const form = useSubmit(
    (data) => {
      const body = { title: text(data, 'title'), shortcut: text(data, 'shortcut'), body: text(data, 'body') };
      return current
        ? api('PUT', `/api/admin/canned-replies/${current.id}`, body)
        : api('POST', '/api/admin/canned-replies', body);
    },
    () => {
      setEditing(null);
      void load();
    },
  );
  return (
    <div className="row g-4">
      <div className="col-12 col-lg-7">
        <div className="d-flex align-items-center mb-3">
          <h1 className="h3 me-auto mb-0">Canned replies</h1>
          <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
            New canned reply
          </button>
        </div>
        {error && <div className="alert alert-danger">{error}</div>}
        <ul className="list-group shadow-sm">
          {items.map((c) => (
            <li key={c.id} className="list-group-item">
              <div className="d-flex align-items-start gap-2">
                <div className="me-auto">
                  <span className="fw-semibold">{c.title}</span> <code>/{c.shortcut}</code>
                  <p className="mb-0 small text-body-secondary sc-prewrap">{c.body}</p>
                </div>
                <button type="button" className="btn btn-sm btn-outline-secondary" onClick={() => setEditing(c)}>
                  Edit
                </button>
                <button type="button" className="btn btn-sm btn-outline-danger" onClick={() => setDeleting(c)}>
                  Delete
                </button>
              </div>
            </li>
          ))}
        </ul>
      </div>
      {editing && (
        <div className="col-12 col-lg-5">
          <form className="card border-0 shadow-sm" onSubmit={form.onSubmit} noValidate key={current?.id ?? 'new'}>
            <div className="card-body">
              <h2 className="h5">{current ? `Edit “${current.title}”` : 'New canned reply'}</h2>
              <FormError error={form.state.error} />
              <Field
                label="Title"
                name="title"
                defaultValue={current?.title}
                required
                error={form.state.fields.title}
              />
              <Field
                label="Shortcut"
                name="shortcut"
                defaultValue={current?.shortcut}
                required
                error={form.state.fields.shortcut}
                hint="Agents type /shortcut then Space"
              />
              <div className="mb-3">
                <label htmlFor="canned-body" className="form-label">
                  Text
                </label>
                <textarea
                  id="canned-body"
                  name="body"
                  className={`form-control${form.state.fields.body ? ' is-invalid' : ''}`}
                  rows={5}
                  defaultValue={current?.body}
                />
                {form.state.fields.body && <div className="invalid-feedback d-block">{form.state.fields.body}</div>}
                <div className="form-text">
                  Variables: {'{{visitor.name}}'}, {'{{agent.name}}'}, {'{{agent.title}}'}. Shown as plain text.
                </div>
              </div>
              <div className="d-flex gap-2">
                <SubmitButton busy={form.state.busy} className="btn btn-primary">
                  Save
                </SubmitButton>
                <button type="button" className="btn btn-outline-secondary" onClick={() => setEditing(null)}>
                  Cancel
                </button>
              </div>
            </div>
          </form>
        </div>
      )}
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this canned reply?"
        confirmLabel="Delete"
        danger
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          const target = deleting;
          setDeleting(null);
          if (target) {
            api('DELETE', `/api/admin/canned-replies/${target.id}`).then(load, (e: unknown) =>
              setError(e instanceof ApiError ? e.message : 'Delete failed'),
            );
          }
        }}
      >
        “{deleting?.title}” will no longer be offered to agents.
      </ConfirmDialog>
    </div>
  );
}
