import { useCallback, useEffect, useState } from 'react';
import { LABEL_COLORS, type LabelColor, type LabelView } from '../../../../../src/shared/desk-tools.js';
import { api, ApiError } from '../../../shared/api.js';
import { FormError } from '../../../shared/ui/forms.js';
import { LabelBadge } from '../../desk/tools/LabelBadge.js';

const problem = (e: unknown) =>
  e instanceof ApiError ? (Object.values(e.fields)[0] ?? e.message) : 'That did not work; please try again.';

function ColorSelect(props: { id: string; value: LabelColor; onChange: (c: LabelColor) => void; label: string }) {
  return (
    <select
      id={props.id}
      className="form-select w-auto"
      aria-label={props.label}
      value={props.value}
      onChange={(e) => props.onChange(e.target.value as LabelColor)}
    >
      {LABEL_COLORS.map((c) => (
        <option key={c} value={c}>
          {c}
        </option>
      ))}
    </select>
  );
}

function LabelRow(props: { label: LabelView; onChanged: () => void; onError: (m: string | undefined) => void }) {
  const [name, setName] = useState(props.label.name);
  const [color, setColor] = useState<LabelColor>(props.label.color);
  const dirty = name !== props.label.name || color !== props.label.color;
  const run = (p: Promise<unknown>) =>
    p.then(
      () => (props.onError(undefined), props.onChanged()),
      (e: unknown) => props.onError(problem(e)),
    );
  return (
    <li className="list-group-item d-flex flex-wrap align-items-center gap-2">
      <LabelBadge label={{ ...props.label, name: name || props.label.name, color }} />
      <input
        className="form-control w-auto flex-grow-1"
        aria-label={`Name of label ${props.label.name}`}
        value={name}
        maxLength={40}
        onChange={(e) => setName(e.target.value)}
      />
      <ColorSelect
        id={`color-${props.label.id}`}
        label={`Colour of label ${props.label.name}`}
        value={color}
        onChange={setColor}
      />
      <button
        type="button"
        className="btn btn-sm btn-outline-primary"
        disabled={!dirty || !name.trim()}
        onClick={() => void run(api('PUT', `/api/admin/labels/${props.label.id}`, { name, color }))}
      >
        Save
      </button>
      <button
        type="button"
        className="btn btn-sm btn-outline-danger"
        aria-label={`Delete label ${props.label.name}`}
        onClick={() => void run(api('DELETE', `/api/admin/labels/${props.label.id}`))}
      >
        Delete
      </button>
    </li>
  );
}

/** Admin → Labels: the list agents put on conversations (and filter the desk's search by). */
export function LabelsPage() {
  const [labels, setLabels] = useState<LabelView[]>([]);
  const [name, setName] = useState('');
  const [color, setColor] = useState<LabelColor>('blue');
  const [error, setError] = useState<string>();
  const load = useCallback(
    () => api<{ labels: LabelView[] }>('GET', '/api/staff/labels').then((r) => setLabels(r.labels)),
    [],
  );
  useEffect(() => void load(), [load]);
  return (
    <div className="col-12 col-lg-8">
      <h1 className="h3">Labels</h1>
      <p className="text-body-secondary">
        Agents put labels on conversations from the desk and find them again with the desk’s search. Deleting a label
        takes it off every conversation.
      </p>
      <FormError error={error} />
      <form
        className="d-flex flex-wrap gap-2 mb-3"
        onSubmit={(e) => {
          e.preventDefault();
          api('POST', '/api/admin/labels', { name, color }).then(
            () => (setName(''), setError(undefined), void load()),
            (err: unknown) => setError(problem(err)),
          );
        }}
      >
        <label htmlFor="new-label" className="visually-hidden">
          New label
        </label>
        <input
          id="new-label"
          className="form-control w-auto flex-grow-1"
          placeholder="New label"
          maxLength={40}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <ColorSelect id="new-label-color" label="Colour of the new label" value={color} onChange={setColor} />
        <button type="submit" className="btn btn-primary text-nowrap" disabled={!name.trim()}>
          Add label
        </button>
      </form>
      {labels.length === 0 ? (
        <p className="text-body-secondary">No labels yet.</p>
      ) : (
        <ul className="list-group shadow-sm">
          {labels.map((l) => (
            <LabelRow key={`${l.id}:${l.name}:${l.color}`} label={l} onChanged={() => void load()} onError={setError} />
          ))}
        </ul>
      )}
    </div>
  );
}
