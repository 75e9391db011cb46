import { useCallback, useEffect, useState } from 'react';
import type { AgentView, Page, TeamView } from '../../../../../src/shared/routing.js';
import { api, ApiError } from '../../../shared/api.js';
import { ConfirmDialog } from '../../../shared/ui/ConfirmDialog.js';
import { FormError } from '../../../shared/ui/forms.js';

const PAGE = 10;
const MODE_LABEL = { pooled: 'Team queue (agents pick)', auto: 'Auto-assign (round robin)' } as const;

function message(e: unknown): string {
  if (!(e instanceof ApiError)) return 'That did not work.';
  const [path, problem] = Object.entries(e.fields)[0] ?? [];
  return problem ? `${path === 'name' ? 'Name' : path} ${problem}` : e.message;
}

/** One team: name and mode, its members (checkboxes over the staff list), delete. */
function TeamCard(props: { team: TeamView; staff: AgentView[]; onChanged: () => void; onError: (m: string) => void }) {
  const { team } = props;
  const [name, setName] = useState(team.name);
  const [confirm, setConfirm] = useState(false);
  const members = new Set(team.members.map((m) => m.userId));
  const run = (p: Promise<unknown>) => p.then(props.onChanged, (e: unknown) => props.onError(message(e)));
  return (
    <li className="list-group-item">
      <form
        className="row g-2 align-items-end"
        onSubmit={(e) => {
          e.preventDefault();
          void run(api('PUT', `/api/admin/teams/${team.id}`, { name, mode: team.mode }));
        }}
      >
        <div className="col-12 col-md-4">
          <label className="form-label small mb-0" htmlFor={`team-name-${team.id}`}>
            Name
          </label>
          <input
            id={`team-name-${team.id}`}
            className="form-control form-control-sm"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="col-12 col-md-5">
          <label className="form-label small mb-0" htmlFor={`team-mode-${team.id}`}>
            New chats
          </label>
          <select
            id={`team-mode-${team.id}`}
            className="form-select form-select-sm"
            value={team.mode}
            onChange={(e) =>
              void run(api('PUT', `/api/admin/teams/${team.id}`, { name: team.name, mode: e.target.value }))
            }
          >
            {(['pooled', 'auto'] as const).map((m) => (
              <option key={m} value={m}>
                {MODE_LABEL[m]}
              </option>
            ))}
          </select>
        </div>
        <div className="col-12 col-md-auto d-flex gap-1">
          <button type="submit" className="btn btn-sm btn-outline-primary" disabled={name === team.name}>
            Rename
          </button>
          <button type="button" className="btn btn-sm btn-outline-danger" onClick={() => setConfirm(true)}>
            Delete
          </button>
        </div>
      </form>
      <fieldset className="mt-2">
        <legend className="small fw-semibold mb-1">Members of {team.name}</legend>
        <div className="d-flex flex-wrap gap-3">
          {props.staff.map((a) => (
            <div className="form-check" key={a.userId}>
              <input
                className="form-check-input"
                type="checkbox"
                id={`member-${team.id}-${a.userId}`}
                checked={members.has(a.userId)}
                onChange={(e) => {
                  const next = new Set(members);
                  if (e.target.checked) next.add(a.userId);
                  else next.delete(a.userId);
                  void run(api('PUT', `/api/admin/teams/${team.id}/members`, { userIds: [...next] }));
                }}
              />
              <label className="form-check-label small" htmlFor={`member-${team.id}-${a.userId}`}>
                {a.name}
              </label>
            </div>
          ))}
        </div>
      </fieldset>
      <div className="small text-body-secondary mt-1">
        Topics routed here: {team.topics.map((t) => t.label).join(', ') || 'none (set them under Topics)'}
      </div>
      <ConfirmDialog
        open={confirm}
        title={`Delete ${team.name}?`}
        confirmLabel="Delete team"
        danger
        onCancel={() => setConfirm(false)}
        onConfirm={() => {
          setConfirm(false);
          void run(api('DELETE', `/api/admin/teams/${team.id}`));
        }}
      >
        Its topics and waiting conversations go to the general queue.
      </ConfirmDialog>
    </li>
  );
}

/** One agent's routing: availability, load and capacity (max concurrent chats for auto-assignment). */
function AgentRow(props: { agent: AgentView; onChanged: () => void; onError: (m: string) => void }) {
  const { agent } = props;
  const [capacity, setCapacity] = useState(agent.capacity === null ? '' : String(agent.capacity));
  return (
    <tr>
      <th scope="row" className="fw-normal">
        {agent.name}
        <div className="small text-body-secondary">{agent.teams.map((t) => t.name).join(', ') || 'no team'}</div>
      </th>
      <td>
        <span className={`badge ${agent.availability === 'online' ? 'text-bg-success' : 'text-bg-secondary'}`}>
          {agent.availability}
        </span>{' '}
        <span className="small text-body-secondary">{agent.connected ? 'desk open' : 'desk closed'}</span>
      </td>
      <td>{agent.load}</td>
      <td>
        <form
          className="d-flex gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            const value = capacity.trim() === '' ? null : Number(capacity);
            void api('PUT', `/api/admin/agents/${agent.userId}`, { capacity: value }).then(
              props.onChanged,
              (err: unknown) =>
                props.onError(
                  `Capacity ${Object.values(err instanceof ApiError ? err.fields : {})[0] ?? message(err)}`,
                ),
            );
          }}
        >
          <label className="visually-hidden" htmlFor={`capacity-${agent.userId}`}>
            Capacity of {agent.name}
          </label>
          <input
            id={`capacity-${agent.userId}`}
            className="form-control form-control-sm sc-capacity"
            inputMode="numeric"
            placeholder="No limit"
            value={capacity}
            onChange={(e) => setCapacity(e.target.value)}
          />
          <button type="submit" className="btn btn-sm btn-outline-primary">
            Save
          </button>
        </form>
      </td>
    </tr>
  );
}

/** Admin → Teams: teams (topics route to them), each one's mode and members, and every agent's capacity. */
export function TeamsPage() {
  const [teams, setTeams] = useState<Page<TeamView> | null>(null);
  const [agents, setAgents] = useState<Page<AgentView> | null>(null);
  const [staff, setStaff] = useState<AgentView[]>([]);
  const [teamPage, setTeamPage] = useState(1);
  const [agentPage, setAgentPage] = useState(1);
  const [name, setName] = useState('');
  const [mode, setMode] = useState<'pooled' | 'auto'>('pooled');
  const [error, setError] = useState<string>();
  const load = useCallback(async () => {
    const [t, a, s] = await Promise.all([
      api<Page<TeamView>>('GET', `/api/staff/teams?page=${teamPage}&pageSize=${PAGE}`),
      api<Page<AgentView>>('GET', `/api/staff/agents?page=${agentPage}&pageSize=${PAGE}`),
      api<Page<AgentView>>('GET', '/api/staff/agents?pageSize=100'),
    ]);
    setTeams(t);
    setAgents(a);
    setStaff(s.items);
  }, [teamPage, agentPage]);
  useEffect(() => void load().catch(() => setError('Could not load the teams.')), [load]);
  const changed = () => {
    setError(undefined);
    void load();
  };
  const pager = (p: Page<unknown> | null, set: (n: number) => void, label: string) =>
    p && p.total > p.pageSize ? (
      <nav aria-label={label} className="mt-2 d-flex gap-2 align-items-center small">
        <button
          type="button"
          className="btn btn-sm btn-outline-secondary"
          disabled={p.page <= 1}
          onClick={() => set(p.page - 1)}
        >
          Previous
        </button>
        <span>
          Page {p.page} of {Math.ceil(p.total / p.pageSize)}
        </span>
        <button
          type="button"
          className="btn btn-sm btn-outline-secondary"
          disabled={p.page * p.pageSize >= p.total}
          onClick={() => set(p.page + 1)}
        >
          Next
        </button>
      </nav>
    ) : null;

  return (
    <div className="row g-4">
      <div className="col-12 col-xl-7">
        <h1 className="h3">Teams</h1>
        <p className="text-body-secondary">
          Topics route new conversations to a team. A team either keeps a queue its members pick from, or assigns each
          chat to the next available member under their capacity (round robin). Agents see their teams’ queues and the
          general one; admins see all.
        </p>
        <FormError error={error} />
        <form
          className="row g-2 align-items-end mb-3"
          onSubmit={(e) => {
            e.preventDefault();
            void api('POST', '/api/admin/teams', { name, mode }).then(
              () => {
                setName('');
                changed();
              },
              (err: unknown) => setError(message(err)),
            );
          }}
        >
          <div className="col-12 col-md-5">
            <label className="form-label small mb-0" htmlFor="new-team-name">
              New team
            </label>
            <input id="new-team-name" className="form-control" value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          <div className="col-12 col-md-5">
            <label className="form-label small mb-0" htmlFor="new-team-mode">
              New chats
            </label>
            <select
              id="new-team-mode"
              className="form-select"
              value={mode}
              onChange={(e) => setMode(e.target.value as 'pooled' | 'auto')}
            >
              <option value="pooled">{MODE_LABEL.pooled}</option>
              <option value="auto">{MODE_LABEL.auto}</option>
            </select>
          </div>
          <div className="col-12 col-md-2">
            <button type="submit" className="btn btn-primary w-100" disabled={!name.trim()}>
              Add team
            </button>
          </div>
        </form>
        {teams?.items.length === 0 && <p className="text-body-secondary">No teams yet: everyone shares one queue.</p>}
        <ul className="list-group shadow-sm">
          {teams?.items.map((t) => (
            <TeamCard
              key={`${t.id}:${t.name}:${t.mode}`}
              team={t}
              staff={staff}
              onChanged={changed}
              onError={setError}
            />
          ))}
        </ul>
        {pager(teams, setTeamPage, 'Team pages')}
      </div>
      <div className="col-12 col-xl-5">
        <h2 className="h4">Agents</h2>
        <p className="text-body-secondary small">
          Capacity: the most open chats auto-assignment gives an agent (empty: no limit). Away agents get none.
        </p>
        <div className="table-responsive">
          <table className="table table-sm align-middle">
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">Now</th>
                <th scope="col">Open</th>
                <th scope="col">Capacity</th>
              </tr>
            </thead>
            <tbody>
              {agents?.items.map((a) => (
                <AgentRow key={`${a.userId}:${a.capacity}`} agent={a} onChanged={changed} onError={setError} />
              ))}
            </tbody>
          </table>
        </div>
        {pager(agents, setAgentPage, 'Agent pages')}
      </div>
    </div>
  );
}
