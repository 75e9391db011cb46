import { useEffect, useState } from 'react';
import { api, ApiError } from '../../../shared/api.js';
import { FormError } from '../../../shared/ui/forms.js';

type Kind = 'text' | 'list' | 'hours' | 'number' | 'boolean' | 'bytes';
interface FieldSpec {
  key: string;
  label: string;
  kind: Kind;
  hint?: string;
  placeholder?: string;
}

/** Every setting an admin may change here, grouped; values come from and go to `/api/admin/settings`. */
const GROUPS: { title: string; fields: FieldSpec[] }[] = [
  {
    title: 'Branding',
    fields: [
      {
        key: 'branding.serviceName',
        label: 'Service name',
        kind: 'text',
        hint: 'Shown in the header, the page title and e-mails.',
      },
      {
        key: 'branding.agentTitle',
        label: 'Agent title',
        kind: 'text',
        hint: 'Shown after agent names, e.g. “Alex (Course Assistant)”.',
      },
    ],
  },
  {
    title: 'Staff accounts',
    fields: [
      {
        key: 'staff.emailDomains',
        label: 'Allowed staff e-mail domains',
        kind: 'list',
        hint: 'Comma-separated, e.g. university.edu. Empty allows any domain.',
      },
      {
        key: 'security.adminTwoFactorRequired',
        label: 'Require two-factor sign-in for admins',
        kind: 'boolean',
        hint: 'Admins without it are sent to set it up after signing in, and can do nothing else until they have.',
      },
    ],
  },
  {
    title: 'Conversations',
    fields: [
      {
        key: 'conversations.idleAutoCloseHours',
        label: 'Close conversations idle for (hours)',
        kind: 'hours',
        hint: 'Empty keeps them open until an agent closes them.',
      },
      {
        key: 'conversations.emailRequiredWhileClosed',
        label: 'Require an e-mail address from visitors while support is closed',
        kind: 'boolean',
        hint: 'So the answer can reach them by e-mail when an agent replies later.',
      },
      {
        key: 'routing.reassignAfterSeconds',
        label: 'Pass an assigned chat on if its agent has not answered after (seconds)',
        kind: 'hours',
        placeholder: 'Never',
        hint: 'Auto-assignment teams and transfers: the silent agent is set away and the chat goes to the next one.',
      },
    ],
  },
  {
    title: 'Satisfaction ratings',
    fields: [
      {
        key: 'csat.enabled',
        label: 'Ask visitors and customers to rate a conversation once it has ended',
        kind: 'boolean',
        hint: '1 to 5 stars and an optional comment; agents and admins see it on the conversation.',
      },
      {
        key: 'csat.editMinutes',
        label: 'Minutes a rating can still be changed',
        kind: 'number',
        hint: '0 locks a rating as soon as it is given (at most 1440).',
      },
    ],
  },
  {
    title: 'Retention',
    fields: [
      {
        key: 'retention.days',
        label: 'Delete closed and left conversations after (days)',
        kind: 'hours',
        placeholder: 'Keep forever',
        hint: 'Empty keeps history forever. The purge runs once a day and also removes files and keys.',
      },
    ],
  },
];

/** Admin → Settings: what changes at runtime without a restart (stored in the database, audited). */
export function SettingsPage(props: { extraGroups?: { title: string; fields: FieldSpec[] }[] }) {
  const groups = [...GROUPS, ...(props.extraGroups ?? [])];
  const [values, setValues] = useState<Record<string, unknown> | null>(null);
  const [draft, setDraft] = useState<Record<string, string | boolean>>({});
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    api<Record<string, unknown>>('GET', '/api/admin/settings').then(setValues, () =>
      setError('Could not load the settings.'),
    );
  }, []);
  if (!values) return <p role="status">{error ?? 'Loading…'}</p>;

  const shown = (f: FieldSpec): string | boolean => {
    if (f.key in draft) return draft[f.key]!;
    const v = values[f.key];
    if (f.kind === 'boolean') return v === true;
    if (Array.isArray(v)) return v.join(', ');
    return v === null || v === undefined ? '' : String(v);
  };
  const toValue = (f: FieldSpec, raw: string | boolean): unknown => {
    if (f.kind === 'boolean') return raw === true;
    const s = String(raw).trim();
    if (f.kind === 'list')
      return s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    // Sent as typed when not a number, so the server names the problem ("abc", "1.5").
    if (f.kind === 'hours') return s === '' ? null : /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s;
    if (f.kind === 'number' || f.kind === 'bytes') return Number(s);
    return s;
  };
  const save = async () => {
    const all = groups.flatMap((g) => g.fields);
    const changes = Object.fromEntries(
      Object.entries(draft).map(([key, raw]) => [
        key,
        toValue(
          all.find((f) => f.key === key)!,
          raw,
        ),
      ]),
    );
    if (Object.keys(changes).length === 0) return;
    try {
      setValues(await api<Record<string, unknown>>('PATCH', '/api/admin/settings', changes));
      setDraft({});
      setFields({});
      setError(undefined);
      setSaved(true);
    } catch (err) {
      if (err instanceof ApiError) {
        const list = (err.details as { fields?: { path: string; message: string }[] } | undefined)?.fields ?? [];
        const byKey: Record<string, string> = {};
        for (const f of list) {
          const key = all.find((x) => f.path === x.key || f.path.startsWith(`${x.key}.`))?.key;
          if (key) byKey[key] = f.message;
        }
        setFields(byKey);
        setError(Object.keys(byKey).length ? undefined : err.message);
      } else setError('Saving failed.');
    }
  };
  return (
    <form
      className="col-12 col-lg-8"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h1 className="h3">Settings</h1>
      {saved && Object.keys(draft).length === 0 && (
        <div className="alert alert-success py-2" role="status">
          Saved. Every instance uses the new values now.
        </div>
      )}
      <FormError error={error} />
      {groups.map((g) => (
        <fieldset key={g.title} className="card border-0 shadow-sm mb-3">
          <div className="card-body">
            <legend className="h5">{g.title}</legend>
            {g.fields.map((f) => {
              const id = `setting-${f.key.replace(/\W/g, '-')}`;
              const value = shown(f);
              return f.kind === 'boolean' ? (
                <div className="form-check form-switch mb-3" key={f.key}>
                  <input
                    className="form-check-input"
                    type="checkbox"
                    role="switch"
                    id={id}
                    checked={value === true}
                    onChange={(e) => setDraft({ ...draft, [f.key]: e.target.checked })}
                  />
                  <label className="form-check-label" htmlFor={id}>
                    {f.label}
                  </label>
                  {f.hint && <div className="form-text">{f.hint}</div>}
                </div>
              ) : (
                <div className="mb-3" key={f.key}>
                  <label htmlFor={id} className="form-label">
                    {f.label}
                  </label>
                  <input
                    id={id}
                    className={`form-control${fields[f.key] ? ' is-invalid' : ''}`}
                    inputMode={f.kind === 'text' || f.kind === 'list' ? undefined : 'numeric'}
                    placeholder={f.placeholder}
                    value={String(value)}
                    aria-describedby={`${id}-help`}
                    onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
                  />
                  {fields[f.key] ? (
                    <div id={`${id}-error`} className="invalid-feedback d-block" role="alert">
                      {fields[f.key]}
                    </div>
                  ) : (
                    f.hint && (
                      <div id={`${id}-help`} className="form-text">
                        {f.hint}
                      </div>
                    )
                  )}
                </div>
              );
            })}
          </div>
        </fieldset>
      ))}
      <button type="submit" className="btn btn-primary" disabled={Object.keys(draft).length === 0}>
        Save settings
      </button>
    </form>
  );
}
