import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from '../../../shared/api.js';
import { FormError } from '../../../shared/ui/forms.js';

interface Topic {
  id: string;
  label: string;
  position: number;
  isActive: boolean;
  teamId: string | null;
}

/** Admin → Topics: the chips visitors pick from on the start form. */
export function TopicsPage() {
  const [topics, setTopics] = useState<Topic[]>([]);
  const [teams, setTeams] = useState<{ id: string; name: string }[]>([]);
  useEffect(() => {
    api<{ items: { id: string; name: string }[] }>('GET', '/api/staff/teams?pageSize=100').then(
      (r) => setTeams(r.items),
      () => undefined,
    );
  }, []);
  const [label, setLabel] = useState('');
  const [error, setError] = useState<string>();
  const load = useCallback(
    () => api<{ topics: Topic[] }>('GET', '/api/admin/topics').then((r) => setTopics(r.topics)),
    [],
  );
  useEffect(() => void load(), [load]);
  const run = (p: Promise<unknown>) =>
    p.then(
      () => {
        setError(undefined);
        return load();
      },
      (e: unknown) =>
        setError(
          e instanceof ApiError
            ? Object.values(e.fields)[0]
              ? `Label ${Object.values(e.fields)[0]}`
              : e.message
            : 'That did not work',
        ),
    );
  return (
    <div className="col-12 col-lg-8">
      <h1 className="h3">Topics</h1>
      <p className="text-body-secondary">
        Shown as chips on the start form. Conversations keep the topic they started with, and wait in the queue of the
        topic’s team (set teams up under Teams).
      </p>
      <FormError error={error} />
      <form
        className="d-flex gap-2 mb-3"
        onSubmit={(e) => {
          e.preventDefault();
          void run(api('POST', '/api/admin/topics', { label })).then(() => setLabel(''));
        }}
      >
        <label htmlFor="new-topic" className="visually-hidden">
          New topic
        </label>
        <input
          id="new-topic"
          className="form-control"
          placeholder="New topic"
          value={label}
          onChange={(e) => setLabel(e.target.value)}
        />
        <button type="submit" className="btn btn-primary text-nowrap" disabled={!label.trim()}>
          Add topic
        </button>
      </form>
      <ul className="list-group shadow-sm">
        {topics.map((t) => (
          <li key={t.id} className="list-group-item d-flex flex-wrap align-items-center gap-2">
            <span className={`me-auto ${t.isActive ? '' : 'text-body-secondary text-decoration-line-through'}`}>
              {t.label}
            </span>
            <label className="visually-hidden" htmlFor={`topic-team-${t.id}`}>
              Team for {t.label}
            </label>
            <select
              id={`topic-team-${t.id}`}
              className="form-select form-select-sm w-auto"
              value={t.teamId ?? ''}
              onChange={(e) =>
                void run(
                  api('PUT', `/api/admin/topics/${t.id}`, {
                    label: t.label,
                    isActive: t.isActive,
                    position: t.position,
                    teamId: e.target.value || null,
                  }),
                )
              }
            >
              <option value="">General queue</option>
              {teams.map((team) => (
                <option key={team.id} value={team.id}>
                  {team.name}
                </option>
              ))}
            </select>
            <div className="form-check form-switch mb-0">
              <input
                className="form-check-input"
                type="checkbox"
                role="switch"
                id={`topic-${t.id}`}
                checked={t.isActive}
                onChange={(e) =>
                  void run(
                    api('PUT', `/api/admin/topics/${t.id}`, {
                      label: t.label,
                      isActive: e.target.checked,
                      position: t.position,
                    }),
                  )
                }
              />
              <label className="form-check-label small" htmlFor={`topic-${t.id}`}>
                Shown
              </label>
            </div>
            <button
              type="button"
              className="btn btn-sm btn-outline-danger"
              onClick={() => void run(api('DELETE', `/api/admin/topics/${t.id}`))}
            >
              Delete
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
