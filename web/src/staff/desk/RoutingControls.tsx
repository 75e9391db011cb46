import { useEffect, useState } from 'react';
import type { StaffConversationView } from '../../../../src/shared/conversations.js';
import type { AgentView, MyRoutingView, Page, TeamView } from '../../../../src/shared/routing.js';
import { api, ApiError } from '../../shared/api.js';
import { Modal } from '../../shared/ui/Modal.js';
import { staffSocket } from './staff-socket.js';

/** The desk's online / away switch, with the agent's load, capacity and teams. */
export function AvailabilitySwitch() {
  const [me, setMe] = useState<MyRoutingView | null>(null);
  const [error, setError] = useState<string>();
  useEffect(() => {
    const load = () => void api<MyRoutingView>('GET', '/api/staff/me/routing').then(setMe, () => undefined);
    load();
    // Set away by the system (an assigned chat went unanswered) or by an admin: follow it.
    const socket = staffSocket();
    socket.on('queue:updated', load);
    return () => {
      socket.off('queue:updated', load);
    };
  }, []);
  if (!me) return null;
  const online = me.availability === 'online';
  return (
    <div className="sc-availability card border-0 shadow-sm mb-3">
      <div className="card-body py-2 small">
        <div className="form-check form-switch mb-1">
          <input
            className="form-check-input"
            type="checkbox"
            role="switch"
            id="availability"
            checked={online}
            onChange={(e) =>
              void api<MyRoutingView>('PUT', '/api/staff/me/availability', {
                availability: e.target.checked ? 'online' : 'away',
              }).then(
                (r) => {
                  setMe(r);
                  setError(undefined);
                },
                (err: unknown) => setError(err instanceof ApiError ? err.message : 'That did not work.'),
              )
            }
          />
          <label className="form-check-label fw-semibold" htmlFor="availability">
            {online ? 'Online: you get new chats' : 'Away: no new chats'}
          </label>
        </div>
        <div className="text-body-secondary">
          {me.load} open{me.capacity !== null ? ` of ${me.capacity}` : ''} chat{me.load === 1 ? '' : 's'}
          {me.teams.length > 0 ? ` · ${me.teams.map((t) => t.name).join(', ')}` : ' · no team'}
        </div>
        {error && (
          <div className="text-danger" role="alert">
            {error}
          </div>
        )}
      </div>
    </div>
  );
}

/** Hand a conversation over to a named agent or to a team; a system line tells everyone. */
export function TransferDialog(props: {
  open: boolean;
  conversationId: string;
  selfId: string;
  onClose: () => void;
  onDone: (conversation: StaffConversationView) => void;
}) {
  const [kind, setKind] = useState<'agent' | 'team'>('agent');
  const [agents, setAgents] = useState<AgentView[]>([]);
  const [teams, setTeams] = useState<TeamView[]>([]);
  const [target, setTarget] = useState('');
  const [search, setSearch] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!props.open) return;
    const q = search.trim() ? `&search=${encodeURIComponent(search.trim())}` : '';
    void api<Page<AgentView>>('GET', `/api/staff/agents?pageSize=50${q}`).then(
      (r) => setAgents(r.items.filter((a) => a.userId !== props.selfId)),
      () => undefined,
    );
  }, [props.open, props.selfId, search]);
  useEffect(() => {
    if (!props.open) return;
    void api<Page<TeamView>>('GET', '/api/staff/teams?pageSize=100').then(
      (r) => setTeams(r.items),
      () => undefined,
    );
  }, [props.open]);
  const submit = async () => {
    setBusy(true);
    try {
      const r = await api<StaffConversationView>(
        'POST',
        `/api/staff/conversations/${encodeURIComponent(props.conversationId)}/transfer`,
        { to: { type: kind, id: target } },
      );
      setError(undefined);
      setTarget('');
      props.onDone(r);
    } catch (e) {
      setError(e instanceof ApiError ? (Object.values(e.fields)[0] ?? e.message) : 'That did not work.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={props.open}
      title="Transfer this conversation"
      onClose={props.onClose}
      footer={
        <>
          <button type="button" className="btn btn-outline-secondary" onClick={props.onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" disabled={!target || busy} onClick={() => void submit()}>
            Transfer
          </button>
        </>
      }
    >
      <fieldset className="mb-3">
        <legend className="form-label fs-6">Transfer to</legend>
        {(['agent', 'team'] as const).map((k) => (
          <div className="form-check form-check-inline" key={k}>
            <input
              className="form-check-input"
              type="radio"
              name="transfer-kind"
              id={`transfer-kind-${k}`}
              checked={kind === k}
              onChange={() => {
                setKind(k);
                setTarget('');
              }}
            />
            <label className="form-check-label" htmlFor={`transfer-kind-${k}`}>
              {k === 'agent' ? 'An agent' : 'A team'}
            </label>
          </div>
        ))}
      </fieldset>
      {kind === 'agent' ? (
        <>
          <label htmlFor="transfer-search" className="form-label">
            Find an agent
          </label>
          <input
            id="transfer-search"
            type="search"
            className="form-control mb-2"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          <label htmlFor="transfer-agent" className="form-label">
            Agent
          </label>
          <select
            id="transfer-agent"
            className="form-select"
            value={target}
            onChange={(e) => setTarget(e.target.value)}
          >
            <option value="">Choose an agent…</option>
            {agents.map((a) => (
              <option key={a.userId} value={a.userId}>
                {a.name} — {a.availability === 'away' ? 'away' : a.connected ? 'online' : 'desk closed'} · {a.load}
                {a.capacity !== null ? `/${a.capacity}` : ''} open
              </option>
            ))}
          </select>
          <p className="form-text">They take over; everyone else in it leaves. Capacity is not checked: you choose.</p>
        </>
      ) : (
        <>
          <label htmlFor="transfer-team" className="form-label">
            Team
          </label>
          <select id="transfer-team" className="form-select" value={target} onChange={(e) => setTarget(e.target.value)}>
            <option value="">Choose a team…</option>
            {teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name} ({t.mode === 'auto' ? 'auto-assigns' : 'team queue'})
              </option>
            ))}
          </select>
          <p className="form-text">It goes back to waiting, in that team’s queue.</p>
        </>
      )}
      {error && (
        <div className="alert alert-danger mt-2 mb-0 py-2" role="alert">
          {error}
        </div>
      )}
    </Modal>
  );
}
