import { useEffect, useState, type CSSProperties } from 'react';
import { foregroundFor } from '../../../../../src/shared/widget-color.js';
import type { SiteView } from '../../../../../src/shared/widget.js';
import { api, ApiError } from '../../../shared/api.js';
import { ConfirmDialog } from '../../../shared/ui/ConfirmDialog.js';
import { Field, FormError } from '../../../shared/ui/forms.js';

interface Appearance {
  'widget.title': string;
  'widget.color': string;
  'widget.greeting': string;
  'widget.position': 'right' | 'left';
  'widget.offlineBehavior': 'form' | 'hide' | 'next_opening';
}
const APPEARANCE_KEYS = [
  'widget.title',
  'widget.color',
  'widget.greeting',
  'widget.position',
  'widget.offlineBehavior',
] as const;

const snippetFor = (scriptUrl: string, site: SiteView) =>
  `<script src="${scriptUrl}" data-site="${site.id}" async></script>`;

/**
 * Admin → Widget: the sites allowed to embed the chat (their origins, the snippet to paste, the identity secret,
 * shown once when made), and what the launcher and chat look like, with a live preview.
 */
export function WidgetPage() {
  const [sites, setSites] = useState<SiteView[] | null>(null);
  const [scriptUrl, setScriptUrl] = useState('');
  const [revealed, setRevealed] = useState<{ siteId: string; secret: string } | null>(null);
  const [error, setError] = useState<string>();
  const load = () =>
    api<{ sites: SiteView[]; scriptUrl: string }>('GET', '/api/admin/widget/sites').then(
      (r) => {
        setSites(r.sites);
        setScriptUrl(r.scriptUrl);
      },
      (err: unknown) => setError(err instanceof ApiError ? err.message : 'Could not load the sites.'),
    );
  useEffect(() => {
    void load();
  }, []);

  return (
    <div className="row g-4 sc-widget-admin">
      <div className="col-12 col-xl-7">
        <h1 className="h3">Widget</h1>
        <p className="text-body-secondary">
          Paste a site’s snippet into its pages (before <code>&lt;/body&gt;</code>): a chat launcher appears on every
          page whose origin is listed here. Any other page gets no chat, and a message in its browser console saying
          why.
        </p>
        <FormError error={error} />
        {revealed && (
          <div className="alert alert-success" role="alert">
            <strong>Identity secret for this site</strong> — copy it now, it is not shown again:
            <pre className="mb-1 mt-2 sc-secret" data-testid="widget-secret">
              {revealed.secret}
            </pre>
            <small>
              Keep it on your server only: it signs your signed-in users’ identity (docs/widget.md).{' '}
              <button
                type="button"
                className="btn btn-link btn-sm p-0 align-baseline"
                onClick={() => setRevealed(null)}
              >
                I have copied it
              </button>
            </small>
          </div>
        )}
        {sites === null ? (
          <p role="status">Loading…</p>
        ) : (
          <>
            {sites.length === 0 && <p>No site may embed the chat yet. Add the first one below.</p>}
            {sites.map((site) => (
              <SiteCard
                key={site.id}
                site={site}
                scriptUrl={scriptUrl}
                onChanged={load}
                onSecret={(secret) => setRevealed({ siteId: site.id, secret })}
              />
            ))}
            <NewSiteForm
              onCreated={(secret, site) => {
                setRevealed({ siteId: site.id, secret });
                void load();
              }}
            />
          </>
        )}
      </div>
      <div className="col-12 col-xl-5">
        <AppearanceForm />
      </div>
    </div>
  );
}

const splitOrigins = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

function NewSiteForm(props: { onCreated: (secret: string, site: SiteView) => void }) {
  const [name, setName] = useState('');
  const [origins, setOrigins] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [fields, setFields] = useState<Record<string, string>>({});
  return (
    <form
      className="card border-0 shadow-sm mt-3"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        setFields({});
        api<{ site: SiteView; secret: string }>('POST', '/api/admin/widget/sites', {
          name,
          origins: splitOrigins(origins),
        })
          .then((r) => {
            setName('');
            setOrigins('');
            props.onCreated(r.secret, r.site);
          })
          .catch((err: unknown) => {
            if (err instanceof ApiError) {
              const f = err.fieldPaths;
              setFields({
                name: f.name ?? '',
                origins:
                  Object.entries(f)
                    .filter(([k]) => k.startsWith('origins'))
                    .map(([, v]) => v)[0] ?? '',
              });
              if (err.code !== 'validation_failed') setError(err.message);
            } else setError('Something went wrong.');
          })
          .finally(() => setBusy(false));
      }}
    >
      <div className="card-body">
        <h2 className="h5">Add a site</h2>
        <FormError error={error} />
        <Field
          label="Name"
          name="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={fields.name || undefined}
        />
        <Field
          label="Origins allowed to embed the chat"
          name="origins"
          value={origins}
          placeholder="https://shop.example https://www.shop.example"
          onChange={(e) => setOrigins(e.target.value)}
          error={fields.origins || undefined}
          hint="Scheme and host (and port), separated by spaces or commas: no paths."
        />
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Add site
        </button>
      </div>
    </form>
  );
}

function SiteCard(props: { site: SiteView; scriptUrl: string; onChanged: () => void; onSecret: (s: string) => void }) {
  const { site } = props;
  const [editing, setEditing] = useState(false);
  const [origins, setOrigins] = useState(site.origins.join(' '));
  const [name, setName] = useState(site.name);
  const [error, setError] = useState<string>();
  const [copied, setCopied] = useState(false);
  const [confirm, setConfirm] = useState<'rotate' | 'delete' | null>(null);
  const snippet = snippetFor(props.scriptUrl, site);
  const fail = (err: unknown) =>
    setError(err instanceof ApiError ? (Object.values(err.fieldPaths)[0] ?? err.message) : 'Something went wrong.');
  return (
    <section className="card border-0 shadow-sm mb-3" aria-labelledby={`site-${site.id}`}>
      <div className="card-body">
        <h2 id={`site-${site.id}`} className="h5">
          {site.name}
        </h2>
        <FormError error={error} />
        {editing ? (
          <form
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              api('PUT', `/api/admin/widget/sites/${site.id}`, { name, origins: splitOrigins(origins) }).then(() => {
                setEditing(false);
                setError(undefined);
                props.onChanged();
              }, fail);
            }}
          >
            <Field label="Name" name="name" value={name} onChange={(e) => setName(e.target.value)} />
            <Field label="Origins" name="origins" value={origins} onChange={(e) => setOrigins(e.target.value)} />
            <button type="submit" className="btn btn-primary btn-sm me-2">
              Save
            </button>
            <button type="button" className="btn btn-outline-secondary btn-sm" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <>
            <p className="mb-2 small">
              Allowed origins:{' '}
              {site.origins.map((o) => (
                <code key={o} className="me-2">
                  {o}
                </code>
              ))}
            </p>
            <label className="form-label small mb-1" htmlFor={`snippet-${site.id}`}>
              Snippet
            </label>
            <div className="input-group mb-2">
              <input id={`snippet-${site.id}`} className="form-control font-monospace small" readOnly value={snippet} />
              <button
                type="button"
                className="btn btn-outline-primary"
                onClick={() =>
                  void navigator.clipboard?.writeText(snippet).then(
                    () => setCopied(true),
                    () => undefined,
                  )
                }
              >
                {copied ? 'Copied' : 'Copy'}
              </button>
            </div>
            <p className="small mb-2">
              Identity secret: <code>{site.secretMasked}</code> (rotated{' '}
              {new Date(site.secretRotatedAt).toLocaleString()})
            </p>
            <div className="d-flex flex-wrap gap-2">
              <button type="button" className="btn btn-outline-secondary btn-sm" onClick={() => setEditing(true)}>
                Edit
              </button>
              <button type="button" className="btn btn-outline-secondary btn-sm" onClick={() => setConfirm('rotate')}>
                Rotate secret
              </button>
              <button type="button" className="btn btn-outline-danger btn-sm" onClick={() => setConfirm('delete')}>
                Remove
              </button>
            </div>
          </>
        )}
      </div>
      <ConfirmDialog
        open={confirm !== null}
        title={confirm === 'rotate' ? 'Rotate the identity secret?' : `Remove ${site.name}?`}
        confirmLabel={confirm === 'rotate' ? 'Rotate' : 'Remove'}
        danger
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          const action = confirm;
          setConfirm(null);
          if (action === 'rotate') {
            api<{ secret: string }>('POST', `/api/admin/widget/sites/${site.id}/rotate-secret`).then((r) => {
              props.onSecret(r.secret);
              props.onChanged();
            }, fail);
          } else {
            api('DELETE', `/api/admin/widget/sites/${site.id}`).then(props.onChanged, fail);
          }
        }}
      >
        {confirm === 'rotate'
          ? 'Tokens signed with the current secret stop working at once: update your server with the new one.'
          : 'Its pages will no longer show the chat, and its signed-in users are signed out of it. Conversations stay.'}
      </ConfirmDialog>
    </section>
  );
}

/** Title, colour, greeting, position and the offline behaviour, with a preview that follows every keystroke. */
function AppearanceForm() {
  const [values, setValues] = useState<Appearance | null>(null);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<string>();
  const [fields, setFields] = useState<Record<string, string>>({});
  useEffect(() => {
    api<Appearance>('GET', '/api/admin/settings').then(setValues, () => setError('Could not load the settings.'));
  }, []);
  if (!values) return <p role="status">Loading…</p>;
  const set = <K extends keyof Appearance>(key: K, value: Appearance[K]) => {
    setSaved(false);
    setValues({ ...values, [key]: value });
  };
  const color = /^#[0-9a-f]{6}$/i.test(values['widget.color']) ? values['widget.color'] : '#0d6efd';
  const preview = { '--sc-preview-color': color, '--sc-preview-fg': foregroundFor(color) } as CSSProperties;
  return (
    <form
      className="card border-0 shadow-sm"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setError(undefined);
        setFields({});
        api('PATCH', '/api/admin/settings', Object.fromEntries(APPEARANCE_KEYS.map((k) => [k, values[k]]))).then(
          () => setSaved(true),
          (err: unknown) => {
            if (err instanceof ApiError) {
              setFields(
                Object.fromEntries(Object.entries(err.fieldPaths).map(([k, v]) => [k.replace('widget.', ''), v])),
              );
              if (err.code !== 'validation_failed') setError(err.message);
            } else setError('Something went wrong.');
          },
        );
      }}
    >
      <div className="card-body">
        <h2 className="h5">Appearance</h2>
        <FormError error={error} />
        <Field
          label="Title"
          name="title"
          value={values['widget.title']}
          onChange={(e) => set('widget.title', e.target.value)}
          error={fields.title}
        />
        <div className="mb-3">
          <label className="form-label" htmlFor="widget-color">
            Colour
          </label>
          <div className="d-flex gap-2">
            <input
              id="widget-color"
              type="color"
              className="form-control form-control-color"
              value={color}
              onChange={(e) => set('widget.color', e.target.value)}
            />
            <input
              aria-label="Colour as hex"
              className={`form-control${fields.color ? ' is-invalid' : ''}`}
              value={values['widget.color']}
              onChange={(e) => set('widget.color', e.target.value)}
            />
          </div>
          {fields.color && <div className="invalid-feedback d-block">{fields.color}</div>}
        </div>
        <div className="mb-3">
          <label className="form-label" htmlFor="widget-greeting">
            Greeting
          </label>
          <textarea
            id="widget-greeting"
            className="form-control"
            rows={2}
            value={values['widget.greeting']}
            onChange={(e) => set('widget.greeting', e.target.value)}
          />
        </div>
        <fieldset className="mb-3">
          <legend className="form-label fs-6">Position</legend>
          {(['right', 'left'] as const).map((p) => (
            <div className="form-check form-check-inline" key={p}>
              <input
                className="form-check-input"
                type="radio"
                name="position"
                id={`position-${p}`}
                checked={values['widget.position'] === p}
                onChange={() => set('widget.position', p)}
              />
              <label className="form-check-label" htmlFor={`position-${p}`}>
                Bottom {p}
              </label>
            </div>
          ))}
        </fieldset>
        <div className="mb-3">
          <label className="form-label" htmlFor="widget-offline">
            While nobody can answer (outside hours, or no agent online)
          </label>
          <select
            id="widget-offline"
            className="form-select"
            value={values['widget.offlineBehavior']}
            onChange={(e) => set('widget.offlineBehavior', e.target.value as Appearance['widget.offlineBehavior'])}
          >
            <option value="form">Show the offline message form (e-mail required)</option>
            <option value="next_opening">Show when we are back, in the visitor’s time</option>
            <option value="hide">Hide the launcher</option>
          </select>
        </div>
        <button type="submit" className="btn btn-primary">
          Save appearance
        </button>
        {saved && (
          <span className="ms-2 text-success" role="status">
            Saved
          </span>
        )}
        <h3 className="h6 mt-4">Preview</h3>
        <div
          className={`sc-widget-preview sc-widget-preview-${values['widget.position']}`}
          style={preview}
          aria-label="Preview of the widget"
        >
          <div className="sc-widget-preview-panel">
            <div className="sc-widget-preview-header">{values['widget.title'] || 'Chat'}</div>
            <p className="sc-widget-preview-greeting">{values['widget.greeting']}</p>
          </div>
          <div className="sc-widget-preview-launcher" aria-hidden="true">
            <svg viewBox="0 0 24 24" width="26" height="26">
              <path
                fill="currentColor"
                d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"
              />
            </svg>
          </div>
        </div>
      </div>
    </form>
  );
}
