import { useCallback, useEffect, useState } from 'react';
import {
  PRESETS,
  PRESET_NAMES,
  WEEKDAYS,
  type OverrideWire,
  type PresetName,
  type SupportStatusWire,
  type WeekdayName,
  type WeekWire,
} from '../../../../../src/shared/schedule.schemas.js';
import { api, ApiError } from '../../../shared/api.js';
import { ConfirmDialog } from '../../../shared/ui/ConfirmDialog.js';
import { FormError } from '../../../shared/ui/forms.js';

type IntervalText = { start: string; end: string };
type Days = Record<WeekdayName, IntervalText[]>;
type Errors = Record<string, string>;

const capitalise = (s: string) => s[0]!.toUpperCase() + s.slice(1);
const MAX_INTERVALS = 8;

/** Today's date (YYYY-MM-DD) in the support timezone, the default date of a new override. */
function todayIn(timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date())
    .slice(0, 10);
}

function describeDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-US', {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

function errorsOf(err: unknown): { form?: string; fields: Errors } {
  if (err instanceof ApiError) {
    const fields = err.fieldPaths;
    return {
      fields,
      form: Object.keys(fields).length > 0 && err.code === 'validation_failed' ? undefined : err.message,
    };
  }
  return { form: 'Something went wrong. Please try again.', fields: {} };
}

/** Problems for `path` itself and anything under it not shown elsewhere ("days.monday.1" for the whole interval). */
function FieldError(props: { errors: Errors; path: string; id?: string }) {
  const message = props.errors[props.path];
  if (!message) return null;
  return (
    <div id={props.id} className="invalid-feedback d-block" role="alert">
      {message}
    </div>
  );
}

/** Start–end inputs for a list of intervals, with remove buttons and inline errors. */
function IntervalsEditor(props: {
  label: string;
  intervals: IntervalText[];
  errors: Errors;
  path: string;
  onChange: (next: IntervalText[]) => void;
}) {
  const { intervals, errors, path, label } = props;
  const set = (i: number, key: 'start' | 'end', value: string) =>
    props.onChange(intervals.map((iv, j) => (j === i ? { ...iv, [key]: value } : iv)));
  return (
    <div className="d-flex flex-column gap-2">
      {intervals.map((iv, i) => {
        const p = `${path}.${i}`;
        return (
          <div key={i}>
            <div className="d-flex flex-wrap align-items-center gap-2">
              {(['start', 'end'] as const).map((key) => (
                <input
                  key={key}
                  className={`form-control form-control-sm sc-time${errors[`${p}.${key}`] ? ' is-invalid' : ''}`}
                  value={iv[key]}
                  inputMode="numeric"
                  placeholder={key === 'start' ? '09:00' : '17:00'}
                  maxLength={5}
                  aria-label={`${label}, hours ${i + 1}, ${key === 'start' ? 'opens at' : 'closes at'}`}
                  aria-invalid={errors[`${p}.${key}`] || errors[p] ? true : undefined}
                  onChange={(e) => set(i, key, e.target.value)}
                />
              ))}
              <button
                type="button"
                className="btn btn-sm btn-outline-secondary"
                aria-label={`Remove ${label} hours ${i + 1}`}
                onClick={() => props.onChange(intervals.filter((_, j) => j !== i))}
              >
                Remove
              </button>
            </div>
            <FieldError errors={errors} path={`${p}.start`} />
            <FieldError errors={errors} path={`${p}.end`} />
            <FieldError errors={errors} path={p} />
          </div>
        );
      })}
      {intervals.length < MAX_INTERVALS && (
        <div>
          <button
            type="button"
            className="btn btn-sm btn-link px-0"
            onClick={() =>
              props.onChange([
                ...intervals,
                intervals.length === 0 ? { start: '09:00', end: '17:00' } : { start: '', end: '' },
              ])
            }
          >
            + Add hours{intervals.length === 0 ? '' : ' (split shift)'}
          </button>
        </div>
      )}
      <FieldError errors={errors} path={path} />
    </div>
  );
}

function WeekEditor(props: { week: WeekWire; onSaved: (week: WeekWire) => void }) {
  const [days, setDays] = useState<Days>(props.week.days);
  const [errors, setErrors] = useState<{ form?: string; fields: Errors }>({ fields: {} });
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  useEffect(() => setDays(props.week.days), [props.week]);
  const dirty = JSON.stringify(days) !== JSON.stringify(props.week.days);

  const save = async () => {
    setBusy(true);
    setSaved(false);
    try {
      const week = await api<WeekWire>('PUT', '/api/admin/schedule', { days });
      setErrors({ fields: {} });
      setSaved(true);
      props.onSaved(week);
    } catch (err) {
      setErrors(errorsOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card border-0 shadow-sm mb-4" aria-labelledby="week-title">
      <div className="card-body">
        <h2 id="week-title" className="h5">
          Weekly schedule
        </h2>
        <p className="small text-body-secondary">
          Times are {props.week.timezone.replace(/_/g, ' ')} time, HH:MM. An end before the start runs past midnight (an
          overnight shift belongs to the day it starts); 00:00–24:00 is a full day. A day without hours is closed.
        </p>
        {!props.week.configured && (
          <div className="alert alert-info py-2 small" role="status">
            Not configured yet: support counts as open around the clock until you save a schedule or apply a preset.
          </div>
        )}
        <FormError error={errors.form} />
        <FieldError errors={errors.fields} path="days" />
        <div className="table-responsive">
          <table className="table align-top mb-3">
            <tbody>
              {WEEKDAYS.map((day) => (
                <tr key={day}>
                  <th scope="row" className="sc-day fw-semibold">
                    {capitalise(day)}
                    {days[day].length === 0 && <div className="small fw-normal text-body-secondary">Closed</div>}
                  </th>
                  <td>
                    <IntervalsEditor
                      label={capitalise(day)}
                      intervals={days[day]}
                      errors={errors.fields}
                      path={`days.${day}`}
                      onChange={(next) => {
                        setDays({ ...days, [day]: next });
                        setSaved(false);
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="d-flex flex-wrap align-items-center gap-2">
          <button type="button" className="btn btn-primary" disabled={busy || !dirty} onClick={() => void save()}>
            {busy && <span className="spinner-border spinner-border-sm me-2" aria-hidden="true" />}
            Save weekly schedule
          </button>
          <button
            type="button"
            className="btn btn-outline-secondary"
            disabled={busy || !dirty}
            onClick={() => {
              setDays(props.week.days);
              setErrors({ fields: {} });
            }}
          >
            Discard changes
          </button>
          {saved && !dirty && (
            <span className="text-success small" role="status">
              Saved.
            </span>
          )}
        </div>
      </div>
    </section>
  );
}

function PresetPanel(props: { onApplied: (week: WeekWire) => void }) {
  const [preset, setPreset] = useState<PresetName>('business');
  const [days, setDays] = useState<WeekdayName[]>([...PRESETS.business.days]);
  const [errors, setErrors] = useState<{ form?: string; fields: Errors }>({ fields: {} });
  const [busy, setBusy] = useState(false);
  const [applied, setApplied] = useState<string>();
  const hours = (p: PresetName) => PRESETS[p].intervals.map((i) => `${i.start}–${i.end}`).join(', ') || 'closed';

  const apply = async () => {
    setBusy(true);
    setApplied(undefined);
    try {
      const week = await api<WeekWire>('POST', '/api/admin/schedule/preset', { preset, days });
      setErrors({ fields: {} });
      setApplied(`${PRESETS[preset].label} applied to ${days.map(capitalise).join(', ')}.`);
      props.onApplied(week);
    } catch (err) {
      setErrors(errorsOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card border-0 shadow-sm mb-4" aria-labelledby="presets-title">
      <div className="card-body">
        <h2 id="presets-title" className="h5">
          Presets
        </h2>
        <p className="small text-body-secondary">
          Apply a preset’s hours to the days you choose; the other days keep their hours. Unsaved edits above are
          replaced.
        </p>
        <FormError error={errors.form} />
        <div className="row g-3 align-items-start">
          <div className="col-12 col-md-5">
            <label htmlFor="preset" className="form-label">
              Preset
            </label>
            <select
              id="preset"
              className={`form-select${errors.fields.preset ? ' is-invalid' : ''}`}
              value={preset}
              onChange={(e) => {
                const next = e.target.value as PresetName;
                setPreset(next);
                setDays([...PRESETS[next].days]);
              }}
            >
              {PRESET_NAMES.map((p) => (
                <option key={p} value={p}>
                  {PRESETS[p].label} ({hours(p)})
                </option>
              ))}
            </select>
            <FieldError errors={errors.fields} path="preset" />
          </div>
          <fieldset className="col-12 col-md-7">
            <legend className="form-label fs-6">Days</legend>
            <div className="d-flex flex-wrap gap-3">
              {WEEKDAYS.map((d) => (
                <div className="form-check" key={d}>
                  <input
                    className="form-check-input"
                    type="checkbox"
                    id={`preset-${d}`}
                    checked={days.includes(d)}
                    onChange={(e) =>
                      setDays(
                        e.target.checked
                          ? WEEKDAYS.filter((w) => w === d || days.includes(w))
                          : days.filter((w) => w !== d),
                      )
                    }
                  />
                  <label className="form-check-label" htmlFor={`preset-${d}`}>
                    {capitalise(d).slice(0, 3)}
                  </label>
                </div>
              ))}
            </div>
            <FieldError errors={errors.fields} path="days" />
          </fieldset>
        </div>
        <div className="d-flex flex-wrap align-items-center gap-2 mt-3">
          <button type="button" className="btn btn-outline-primary" disabled={busy} onClick={() => void apply()}>
            Apply preset
          </button>
          {applied && (
            <span className="text-success small" role="status">
              {applied}
            </span>
          )}
        </div>
      </div>
    </section>
  );
}

interface OverrideDraft {
  /** Set when editing an existing override (its date cannot change). */
  editing?: string;
  date: string;
  kind: 'closed' | 'hours';
  intervals: IntervalText[];
  reason: string;
}

function OverrideForm(props: {
  draft: OverrideDraft;
  today: string;
  onCancel: () => void;
  onSaved: (o: OverrideWire) => void;
}) {
  const [draft, setDraft] = useState<OverrideDraft>(props.draft);
  const [errors, setErrors] = useState<{ form?: string; fields: Errors }>({ fields: {} });
  const [busy, setBusy] = useState(false);
  const body = { kind: draft.kind, intervals: draft.kind === 'hours' ? draft.intervals : [], reason: draft.reason };

  const save = async () => {
    setBusy(true);
    try {
      const saved = draft.editing
        ? await api<OverrideWire>('PUT', `/api/admin/schedule/overrides/${draft.editing}`, body)
        : await api<OverrideWire>('POST', '/api/admin/schedule/overrides', { date: draft.date, ...body });
      props.onSaved(saved);
    } catch (err) {
      setErrors(errorsOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="card border-primary-subtle mb-3"
      aria-labelledby="override-form-title"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div className="card-body">
        <h3 id="override-form-title" className="h6">
          {draft.editing ? `Change ${describeDate(draft.editing)}` : 'New date override'}
        </h3>
        <FormError error={errors.form} />
        <div className="row g-3">
          <div className="col-12 col-md-4">
            <label htmlFor="override-date" className="form-label">
              Date
            </label>
            <input
              id="override-date"
              type="date"
              className={`form-control${errors.fields.date ? ' is-invalid' : ''}`}
              value={draft.date}
              min={props.today}
              disabled={draft.editing !== undefined}
              aria-invalid={errors.fields.date ? true : undefined}
              aria-describedby={errors.fields.date ? 'override-date-error' : undefined}
              onChange={(e) => setDraft({ ...draft, date: e.target.value })}
            />
            <FieldError errors={errors.fields} path="date" id="override-date-error" />
          </div>
          <fieldset className="col-12 col-md-8">
            <legend className="form-label fs-6">That day</legend>
            {(
              [
                ['closed', 'Closed all day'],
                ['hours', 'Special hours'],
              ] as const
            ).map(([kind, label]) => (
              <div className="form-check form-check-inline" key={kind}>
                <input
                  className="form-check-input"
                  type="radio"
                  name="override-kind"
                  id={`override-kind-${kind}`}
                  checked={draft.kind === kind}
                  onChange={() =>
                    setDraft({
                      ...draft,
                      kind,
                      intervals:
                        kind === 'hours' && draft.intervals.length === 0
                          ? [{ start: '10:00', end: '14:00' }]
                          : draft.intervals,
                    })
                  }
                />
                <label className="form-check-label" htmlFor={`override-kind-${kind}`}>
                  {label}
                </label>
              </div>
            ))}
            <FieldError errors={errors.fields} path="kind" />
            {draft.kind === 'hours' && (
              <div className="mt-2">
                <IntervalsEditor
                  label="Special"
                  intervals={draft.intervals}
                  errors={errors.fields}
                  path="intervals"
                  onChange={(intervals) => setDraft({ ...draft, intervals })}
                />
              </div>
            )}
          </fieldset>
          <div className="col-12">
            <label htmlFor="override-reason" className="form-label">
              Reason (visitors see it)
            </label>
            <input
              id="override-reason"
              className={`form-control${errors.fields.reason ? ' is-invalid' : ''}`}
              value={draft.reason}
              maxLength={200}
              placeholder="e.g. Thanksgiving, staff training"
              aria-invalid={errors.fields.reason ? true : undefined}
              aria-describedby={errors.fields.reason ? 'override-reason-error' : undefined}
              onChange={(e) => setDraft({ ...draft, reason: e.target.value })}
            />
            <FieldError errors={errors.fields} path="reason" id="override-reason-error" />
          </div>
        </div>
        <div className="d-flex gap-2 mt-3">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy && <span className="spinner-border spinner-border-sm me-2" aria-hidden="true" />}
            {draft.editing ? 'Save changes' : 'Add override'}
          </button>
          <button type="button" className="btn btn-outline-secondary" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </div>
    </form>
  );
}

function OverridesPanel(props: { timezone: string; onChanged: () => void }) {
  const [overrides, setOverrides] = useState<OverrideWire[] | null>(null);
  const [error, setError] = useState<string>();
  const [form, setForm] = useState<OverrideDraft | null>(null);
  const [deleting, setDeleting] = useState<OverrideWire | null>(null);
  const [busy, setBusy] = useState(false);
  const today = todayIn(props.timezone);

  const load = useCallback(async () => {
    try {
      setOverrides((await api<{ overrides: OverrideWire[] }>('GET', '/api/admin/schedule/overrides')).overrides);
      setError(undefined);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not load the overrides.');
    }
  }, []);
  useEffect(() => void load(), [load]);

  const remove = async (o: OverrideWire) => {
    setBusy(true);
    try {
      await api('DELETE', `/api/admin/schedule/overrides/${o.date}`);
      setDeleting(null);
      await load();
      props.onChanged();
    } catch (err) {
      setDeleting(null);
      setError(err instanceof ApiError ? err.message : 'Could not delete the override.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card border-0 shadow-sm mb-4" aria-labelledby="overrides-title">
      <div className="card-body">
        <div className="d-flex flex-wrap align-items-center gap-2 mb-2">
          <h2 id="overrides-title" className="h5 me-auto mb-0">
            Date overrides
          </h2>
          {!form && (
            <button
              type="button"
              className="btn btn-primary btn-sm"
              onClick={() => setForm({ date: today, kind: 'closed', intervals: [], reason: '' })}
            >
              Add a date
            </button>
          )}
        </div>
        <p className="small text-body-secondary">
          Close a date or give it special hours (holidays, events). The reason is shown on the landing page.
        </p>
        {error && (
          <div className="alert alert-danger py-2" role="alert">
            {error}
          </div>
        )}
        {form && (
          <OverrideForm
            key={form.editing ?? 'new'}
            draft={form}
            today={today}
            onCancel={() => setForm(null)}
            onSaved={() => {
              setForm(null);
              void load();
              props.onChanged();
            }}
          />
        )}
        <div className="table-responsive">
          <table className="table align-middle mb-0">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Hours</th>
                <th scope="col">Reason</th>
                <th scope="col" className="text-end">
                  Actions
                </th>
              </tr>
            </thead>
            <tbody>
              {overrides?.map((o) => (
                <tr key={o.date}>
                  <td>
                    {describeDate(o.date)}
                    {o.date === today && <span className="badge text-bg-warning ms-2">Today</span>}
                  </td>
                  <td>
                    {o.kind === 'closed' ? 'Closed all day' : o.intervals.map((i) => `${i.start}–${i.end}`).join(', ')}
                  </td>
                  <td>{o.reason}</td>
                  <td className="text-end text-nowrap">
                    <button
                      type="button"
                      className="btn btn-sm btn-outline-secondary me-1"
                      onClick={() =>
                        setForm({
                          editing: o.date,
                          date: o.date,
                          kind: o.kind,
                          intervals: o.intervals,
                          reason: o.reason,
                        })
                      }
                    >
                      Edit
                    </button>
                    <button type="button" className="btn btn-sm btn-outline-danger" onClick={() => setDeleting(o)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
              {overrides?.length === 0 && (
                <tr>
                  <td colSpan={4} className="text-center text-body-secondary py-3">
                    No overrides from today on: every date follows the weekly schedule.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </div>
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this override?"
        confirmLabel="Delete"
        danger
        busy={busy}
        onCancel={() => setDeleting(null)}
        onConfirm={() => deleting && void remove(deleting)}
      >
        {deleting && `${describeDate(deleting.date)} will follow the weekly schedule again.`}
      </ConfirmDialog>
    </section>
  );
}

/** Admin → Support hours: the weekly schedule, presets, and date overrides, with the status they give now. */
export function HoursPage() {
  const [week, setWeek] = useState<WeekWire | null>(null);
  const [status, setStatus] = useState<SupportStatusWire | null>(null);
  const [error, setError] = useState<string>();

  const refreshStatus = useCallback(() => {
    api<SupportStatusWire>('GET', '/api/status').then(setStatus, () => undefined);
  }, []);
  useEffect(() => {
    api<WeekWire>('GET', '/api/admin/schedule').then(
      (w) => setWeek(w),
      (err: unknown) => setError(err instanceof ApiError ? err.message : 'Could not load the schedule.'),
    );
    refreshStatus();
  }, [refreshStatus]);

  const changed = (w?: WeekWire) => {
    if (w) setWeek(w);
    refreshStatus();
  };

  return (
    <div>
      <h1 className="h3">Support hours</h1>
      {status && (
        <div
          className={`alert ${status.available ? 'alert-success' : 'alert-secondary'} py-2`}
          role="status"
          aria-live="polite"
        >
          <strong>Now:</strong> {status.message}
        </div>
      )}
      {error && (
        <div className="alert alert-danger" role="alert">
          {error}
        </div>
      )}
      {week && (
        <>
          <WeekEditor week={week} onSaved={changed} />
          <PresetPanel onApplied={changed} />
          <OverridesPanel timezone={week.timezone} onChanged={() => changed()} />
        </>
      )}
    </div>
  );
}
