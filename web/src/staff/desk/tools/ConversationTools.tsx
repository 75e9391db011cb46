import { useEffect, useState } from 'react';
import type { StaffConversationView } from '../../../../../src/shared/conversations.js';
import type { CsatView, LabelView, SnoozeView } from '../../../../../src/shared/desk-tools.js';
import type { MeResponse } from '../../../../../src/shared/identity.schemas.js';
import { api, ApiError } from '../../../shared/api.js';
import { staffSocket } from '../staff-socket.js';
import { LabelBadge } from './LabelBadge.js';
import { useLabels } from './use-labels.js';

const when = (iso: string) =>
  new Date(iso).toLocaleString(undefined, {
    weekday: 'short',
    hour: 'numeric',
    minute: '2-digit',
    day: 'numeric',
    month: 'short',
  });

/** Snooze choices: an instant from now (in the agent's local time), or null for "until the visitor writes". */
const CHOICES: { value: string; label: string; until: () => Date | null }[] = [
  { value: 'reply', label: 'Until the visitor writes', until: () => null },
  { value: '1h', label: 'For 1 hour', until: () => new Date(Date.now() + 3_600_000) },
  { value: '4h', label: 'For 4 hours', until: () => new Date(Date.now() + 4 * 3_600_000) },
  {
    value: 'tomorrow',
    label: 'Until tomorrow, 9:00',
    until: () => {
      const d = new Date();
      d.setDate(d.getDate() + 1);
      d.setHours(9, 0, 0, 0);
      return d;
    },
  },
  {
    value: 'week',
    label: 'Until next Monday, 9:00',
    until: () => {
      const d = new Date();
      d.setDate(d.getDate() + ((8 - d.getDay()) % 7 || 7));
      d.setHours(9, 0, 0, 0);
      return d;
    },
  },
  { value: 'custom', label: 'Until a time I choose…', until: () => null },
];

const message = (e: unknown) =>
  e instanceof ApiError ? (Object.values(e.fields)[0] ?? e.message) : 'That did not work; please try again.';

function Stars(props: { rating: number }) {
  return (
    <span aria-label={`${props.rating} out of 5`} role="img" className="sc-stars">
      {'★'.repeat(props.rating)}
      <span className="text-body-tertiary">{'★'.repeat(5 - props.rating)}</span>
    </span>
  );
}

/**
 * The desk's tools for one conversation, under its header: labels (any staff member), snooze (its agents and
 * admins, while active) and the visitor's rating once it ended. Live through the staff socket.
 */
export function ConversationTools(props: {
  id: string;
  me: MeResponse;
  conversation: StaffConversationView | null | undefined;
}) {
  const { id, me, conversation } = props;
  const all = useLabels();
  const [labels, setLabels] = useState<LabelView[]>([]);
  const [snooze, setSnooze] = useState<SnoozeView | null>(null);
  const [csat, setCsat] = useState<CsatView | null>(null);
  const [choice, setChoice] = useState('reply');
  const [custom, setCustom] = useState('');
  const [error, setError] = useState<string>();
  const base = `/api/staff/conversations/${encodeURIComponent(id)}`;
  const status = conversation?.status;

  useEffect(() => {
    const get = <T,>(path: string, set: (v: T) => void) => api<T>('GET', base + path).then(set, () => undefined);
    void get<{ labels: LabelView[] }>('/labels', (r) => setLabels(r.labels));
    void get<{ snooze: SnoozeView | null }>('/snooze', (r) => setSnooze(r.snooze));
    void get<{ csat: CsatView | null }>('/csat', (r) => setCsat(r.csat));
    const socket = staffSocket();
    const onLabels = (f: { conversationId: string; labels: LabelView[] }) =>
      f.conversationId === id && setLabels(f.labels);
    const onSnooze = (f: { conversationId: string; snooze: SnoozeView | null }) =>
      f.conversationId === id && setSnooze(f.snooze);
    const onCsat = (f: { conversationId: string; csat: CsatView | null }) => f.conversationId === id && setCsat(f.csat);
    const onLabelList = () => void get<{ labels: LabelView[] }>('/labels', (r) => setLabels(r.labels));
    socket.on('conversation:labels', onLabels);
    socket.on('conversation:snooze', onSnooze);
    socket.on('conversation:csat', onCsat);
    socket.on('labels:updated', onLabelList);
    return () => {
      socket.off('conversation:labels', onLabels);
      socket.off('conversation:snooze', onSnooze);
      socket.off('conversation:csat', onCsat);
      socket.off('labels:updated', onLabelList);
    };
  }, [base, id]);

  // A status change away from active ends a snooze without a snooze frame.
  useEffect(() => {
    if (status && status !== 'active') setSnooze(null);
  }, [status]);

  const run = (p: Promise<unknown>) =>
    p.then(
      () => setError(undefined),
      (e: unknown) => setError(message(e)),
    );
  const apply = (labelId: string) =>
    run(api<{ labels: LabelView[] }>('POST', `${base}/labels`, { labelId }).then((r) => setLabels(r.labels)));
  const remove = (labelId: string) =>
    run(
      api<{ labels: LabelView[] }>('DELETE', `${base}/labels/${encodeURIComponent(labelId)}`).then((r) =>
        setLabels(r.labels),
      ),
    );
  const doSnooze = () => {
    const picked = CHOICES.find((c) => c.value === choice)!;
    const until = choice === 'custom' ? (custom ? new Date(custom) : null) : picked.until();
    if (choice === 'custom' && (!until || Number.isNaN(until.getTime()))) {
      setError('Choose the date and time to wake it up.');
      return;
    }
    void run(
      api<{ snooze: SnoozeView }>('PUT', `${base}/snooze`, { until: until ? until.toISOString() : null }).then((r) =>
        setSnooze(r.snooze),
      ),
    );
  };
  const wake = () => void run(api('DELETE', `${base}/snooze`).then(() => setSnooze(null)));

  const joined = conversation?.agents.some((a) => a.userId === me.id) ?? false;
  const maySnooze = status === 'active' && (joined || me.role === 'admin');
  const applied = new Set(labels.map((l) => l.id));
  const addable = all.filter((l) => !applied.has(l.id));
  const ended = status === 'closed' || status === 'left';
  return (
    <div className="sc-tools border-bottom px-3 py-2 small d-flex flex-wrap align-items-center gap-2">
      <div className="d-flex flex-wrap align-items-center gap-1 me-auto" aria-label="Labels" role="group">
        {labels.map((l) => (
          <LabelBadge key={l.id} label={l} onRemove={() => void remove(l.id)} />
        ))}
        {addable.length > 0 && (
          <select
            className="form-select form-select-sm w-auto"
            aria-label="Add a label"
            value=""
            onChange={(e) => e.target.value && void apply(e.target.value)}
          >
            <option value="">+ Label</option>
            {addable.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </select>
        )}
      </div>
      {snooze && (
        <div className="d-flex align-items-center gap-2" role="status">
          <span className="badge text-bg-info">
            Snoozed {snooze.until ? `until ${when(snooze.until)}` : 'until the visitor writes'}
          </span>
          {maySnooze && (
            <button type="button" className="btn btn-sm btn-outline-secondary" onClick={wake}>
              Wake now
            </button>
          )}
        </div>
      )}
      {!snooze && maySnooze && (
        <form
          className="d-flex flex-wrap align-items-center gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            doSnooze();
          }}
        >
          <select
            className="form-select form-select-sm w-auto"
            aria-label="Snooze for how long"
            value={choice}
            onChange={(e) => setChoice(e.target.value)}
          >
            {CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
          {choice === 'custom' && (
            <input
              type="datetime-local"
              className="form-control form-control-sm w-auto"
              aria-label="Wake it up at"
              value={custom}
              onChange={(e) => setCustom(e.target.value)}
            />
          )}
          <button type="submit" className="btn btn-sm btn-outline-primary">
            Snooze
          </button>
        </form>
      )}
      {ended && (
        <div className="w-100" aria-label="Visitor rating">
          {csat ? (
            <>
              Rated <Stars rating={csat.rating} />
              {csat.comment && <q className="ms-2 fst-italic">{csat.comment}</q>}
            </>
          ) : (
            <span className="text-body-secondary">Not rated yet.</span>
          )}
        </div>
      )}
      {error && (
        <div className="w-100 text-danger" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
