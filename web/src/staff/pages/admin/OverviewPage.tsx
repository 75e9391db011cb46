import { useCallback, useEffect, useState } from 'react';
import { api } from '../../../shared/api.js';
import { staffSocket } from '../../desk/staff-socket.js';

interface Window {
  conversations: number;
  messages: number;
  medianFirstResponseMinutes: number | null;
  medianResolutionMinutes: number | null;
}
interface Overview {
  waiting: number;
  active: number;
  agentsOnline: number;
  today: Window;
  last7Days: Window;
  timezone: string;
  generatedAt: string;
}

const minutes = (m: number | null) =>
  m === null ? '—' : m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${Math.round(m % 60)} min`;

function Stat(props: { label: string; value: string | number }) {
  return (
    <div className="col-6 col-md-3">
      <div className="sc-counter h-100">
        <div className="sc-counter-value">{props.value}</div>
        <div className="sc-counter-label">{props.label}</div>
      </div>
    </div>
  );
}

/** Admin → Overview: live queue figures and today's / the week's activity. */
export function OverviewPage() {
  const [data, setData] = useState<Overview | null>(null);
  const load = useCallback(() => api<Overview>('GET', '/api/admin/overview').then(setData, () => undefined), []);
  useEffect(() => {
    void load();
    const socket = staffSocket();
    const onQueue = () => void load();
    socket.on('queue:updated', onQueue);
    const timer = setInterval(() => void load(), 30_000);
    return () => {
      socket.off('queue:updated', onQueue);
      clearInterval(timer);
    };
  }, [load]);
  if (!data) return <p role="status">Loading…</p>;
  return (
    <div>
      <h1 className="h3">Overview</h1>
      <p className="text-body-secondary small">
        Live; days start at midnight in {data.timezone}. Updated {new Date(data.generatedAt).toLocaleTimeString()}.
      </p>
      <section aria-labelledby="now-title" className="mb-4">
        <h2 id="now-title" className="h5">
          Right now
        </h2>
        <div className="row g-2" role="status" aria-live="polite">
          <Stat label="Waiting" value={data.waiting} />
          <Stat label="Active" value={data.active} />
          <Stat label="Agents online" value={data.agentsOnline} />
        </div>
      </section>
      {(
        [
          ['Today', data.today],
          ['Last 7 days', data.last7Days],
        ] as const
      ).map(([title, w]) => (
        <section key={title} aria-label={title} className="mb-4">
          <h2 className="h5">{title}</h2>
          <div className="row g-2">
            <Stat label="Conversations" value={w.conversations} />
            <Stat label="Messages" value={w.messages} />
            <Stat label="Median first response" value={minutes(w.medianFirstResponseMinutes)} />
            <Stat label="Median resolution" value={minutes(w.medianResolutionMinutes)} />
          </div>
        </section>
      ))}
    </div>
  );
}
