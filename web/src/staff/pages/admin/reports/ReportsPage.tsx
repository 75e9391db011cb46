import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { CsatGroup, Percentiles, ReportSection, ReportView } from '../../../../../../src/shared/desk-tools.js';
import { api, ApiError } from '../../../../shared/api.js';
import { FormError } from '../../../../shared/ui/forms.js';
import { ReportChart } from './ReportChart.js';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const BLUE = '#0d6efd';
const GREEN = '#198754';

/** Seconds as people read them: 45 s, 3 min, 2 h 5 min. */
export function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.round(hours / 24)} days`;
}

function shiftDate(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** A table that may scroll sideways on a phone: focusable, so keyboard users can scroll it too. */
function Scroll(props: { label: string; children: ReactNode }) {
  return (
    <div className="table-responsive position-relative" tabIndex={0} role="region" aria-label={props.label}>
      {props.children}
    </div>
  );
}

function Table(props: { caption: string; head: string[]; rows: (string | number)[][] }) {
  return (
    <table className="table table-sm mb-0">
      <caption className="visually-hidden">{props.caption}</caption>
      <thead>
        <tr>
          {props.head.map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r, i) => (
          <tr key={i}>
            {r.map((cell, j) =>
              j === 0 ? (
                <th key={j} scope="row" className="fw-normal">
                  {cell}
                </th>
              ) : (
                <td key={j}>{cell}</td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Card(props: {
  title: string;
  section?: ReportSection;
  range: { from: string; to: string };
  children: ReactNode;
}) {
  const csv = props.section
    ? `/api/admin/reports/csv/${props.section}?from=${props.range.from}&to=${props.range.to}`
    : undefined;
  return (
    <section className="card border-0 shadow-sm h-100" aria-label={props.title}>
      <div className="card-header bg-body d-flex align-items-center gap-2">
        <h2 className="h6 mb-0 me-auto">{props.title}</h2>
        {csv && (
          <a
            className="btn btn-sm btn-outline-secondary"
            href={csv}
            download
            aria-label={`Download ${props.title} as CSV`}
          >
            CSV
          </a>
        )}
      </div>
      <div className="card-body">{props.children}</div>
    </section>
  );
}

function PercentileRows(props: { name: string; p: Percentiles }) {
  return (
    <tr>
      <th scope="row" className="fw-normal">
        {props.name}
      </th>
      <td>{props.p.count}</td>
      <td>{duration(props.p.p50)}</td>
      <td>{duration(props.p.p75)}</td>
      <td>{duration(props.p.p90)}</td>
      <td>{duration(props.p.p95)}</td>
    </tr>
  );
}

/** The busiest hours: a weekday × hour grid, shaded by volume; it is a table, so it reads as one too. */
function HeatMap(props: { heatmap: ReportView['heatmap'] }) {
  const max = Math.max(1, ...props.heatmap.flatMap((w) => w.hours));
  return (
    <Scroll label="Busiest hours, as a table">
      <table className="table table-sm table-borderless sc-heatmap mb-0">
        <caption className="visually-hidden">Conversations started per weekday and hour</caption>
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">Weekday</span>
            </th>
            {Array.from({ length: 24 }, (_, h) => (
              <th key={h} scope="col" className="text-center fw-normal small">
                {h % 3 === 0 ? String(h).padStart(2, '0') : <span className="visually-hidden">{h}</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.heatmap.map((w) => (
            <tr key={w.weekday}>
              <th scope="row" className="fw-normal small pe-2">
                {WEEKDAYS[w.weekday - 1]!.slice(0, 3)}
              </th>
              {w.hours.map((n, h) => {
                const share = n / max;
                return (
                  <td
                    key={h}
                    className={`text-center small ${share > 0.55 ? 'text-white' : ''}`}
                    style={{
                      backgroundColor: n === 0 ? 'var(--bs-tertiary-bg)' : `rgba(13, 110, 253, ${0.15 + share * 0.85})`,
                    }}
                    title={`${WEEKDAYS[w.weekday - 1]} ${String(h).padStart(2, '0')}:00 — ${n}`}
                  >
                    {n > 0 ? n : <span className="visually-hidden">0</span>}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

function csatRows(groups: CsatGroup[]) {
  return groups.map((g) => [
    g.name,
    g.ratings,
    g.average ?? '—',
    g.satisfied === null ? '—' : `${g.satisfied} %`,
    g.distribution.join(' / '),
  ]);
}

/** Admin → Reports: a date range (local dates in the support timezone) and what happened in it, with CSV exports. */
export function ReportsPage() {
  const [range, setRange] = useState<{ from: string; to: string } | null>(null);
  const [draft, setDraft] = useState({ from: '', to: '' });
  const [today, setToday] = useState<string>();
  const [report, setReport] = useState<ReportView>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  // "Today" is the support timezone's date (the status answer carries the local time there).
  useEffect(() => {
    api<{ now: string }>('GET', '/api/status').then(
      (s) => {
        const date = s.now.slice(0, 10);
        setToday(date);
        const initial = { from: shiftDate(date, -6), to: date };
        setDraft(initial);
        setRange(initial);
      },
      () => setError('Could not read the support timezone’s date.'),
    );
  }, []);
  useEffect(() => {
    if (!range) return;
    setBusy(true);
    api<ReportView>('GET', `/api/admin/reports?from=${range.from}&to=${range.to}`).then(
      (r) => (setReport(r), setError(undefined), setBusy(false)),
      (e: unknown) => (
        setError(e instanceof ApiError ? (Object.values(e.fields)[0] ?? e.message) : 'The report failed.'),
        setBusy(false)
      ),
    );
  }, [range]);

  const daily = useMemo(() => {
    if (!report) return null;
    return {
      labels: report.daily.map((d) => d.date.slice(5)),
      series: [
        { label: 'Started', data: report.daily.map((d) => d.conversations), color: BLUE },
        { label: 'Closed', data: report.daily.map((d) => d.closed), color: GREEN, type: 'line' as const },
      ],
    };
  }, [report]);
  const hourly = useMemo(
    () =>
      report && {
        labels: report.hourly.map((h) => String(h.hour).padStart(2, '0')),
        series: [{ label: 'Started', data: report.hourly.map((h) => h.conversations), color: BLUE }],
      },
    [report],
  );
  const csat = useMemo(
    () =>
      report && {
        labels: report.csatByAgent.map((g) => g.name),
        series: [{ label: 'Average rating', data: report.csatByAgent.map((g) => g.average ?? 0), color: GREEN }],
      },
    [report],
  );
  const presets = today
    ? [
        { label: 'Last 7 days', from: shiftDate(today, -6), to: today },
        { label: 'Last 30 days', from: shiftDate(today, -29), to: today },
        { label: 'This month', from: `${today.slice(0, 8)}01`, to: today },
      ]
    : [];

  return (
    <div>
      <h1 className="h3">Reports</h1>
      <form
        className="d-flex flex-wrap align-items-end gap-2 mb-3"
        onSubmit={(e) => {
          e.preventDefault();
          setRange({ ...draft });
        }}
      >
        <div>
          <label htmlFor="report-from" className="form-label small mb-0">
            From
          </label>
          <input
            id="report-from"
            type="date"
            className="form-control"
            value={draft.from}
            max={today}
            onChange={(e) => setDraft((d) => ({ ...d, from: e.target.value }))}
          />
        </div>
        <div>
          <label htmlFor="report-to" className="form-label small mb-0">
            To
          </label>
          <input
            id="report-to"
            type="date"
            className="form-control"
            value={draft.to}
            onChange={(e) => setDraft((d) => ({ ...d, to: e.target.value }))}
          />
        </div>
        <button type="submit" className="btn btn-primary">
          Show
        </button>
        <div className="btn-group flex-wrap" role="group" aria-label="Quick ranges">
          {presets.map((p) => (
            <button
              key={p.label}
              type="button"
              className="btn btn-outline-secondary"
              aria-pressed={range?.from === p.from && range?.to === p.to}
              onClick={() => (setDraft({ from: p.from, to: p.to }), setRange({ from: p.from, to: p.to }))}
            >
              {p.label}
            </button>
          ))}
        </div>
      </form>
      <FormError error={error} />
      {busy && !report && <p role="status">Loading…</p>}
      {report && range && (
        <div aria-busy={busy}>
          <p className="text-body-secondary small" role="status">
            {report.from} to {report.to}, dates in {report.timezone}: {report.totals.conversations} conversations
            started, {report.totals.closed} closed, {report.totals.ratings} ratings
            {report.totals.averageRating !== null ? ` (average ${report.totals.averageRating} of 5)` : ''}.
          </p>
          <div className="row g-3">
            <div className="col-12 col-xl-8">
              <Card title="Conversations per day" section="daily" range={range}>
                <ReportChart
                  title="Conversations per day"
                  summary={`${report.totals.conversations} started and ${report.totals.closed} closed over ${report.daily.length} days.`}
                  labels={daily!.labels}
                  series={daily!.series}
                  table={
                    <Table
                      caption="Conversations per day"
                      head={['Date', 'Started', 'Closed']}
                      rows={report.daily.map((d) => [d.date, d.conversations, d.closed])}
                    />
                  }
                />
              </Card>
            </div>
            <div className="col-12 col-xl-4">
              <Card title="Response and resolution" section="response" range={range}>
                <Scroll label="Response and resolution times, as a table">
                  <table className="table table-sm mb-0">
                    <caption className="small">Time from the first message to the first reply, and to closing.</caption>
                    <thead>
                      <tr>
                        <th scope="col">Time to</th>
                        <th scope="col">Count</th>
                        <th scope="col">p50</th>
                        <th scope="col">p75</th>
                        <th scope="col">p90</th>
                        <th scope="col">p95</th>
                      </tr>
                    </thead>
                    <tbody>
                      <PercentileRows name="First reply" p={report.firstResponse} />
                      <PercentileRows name="Resolution" p={report.resolution} />
                    </tbody>
                  </table>
                </Scroll>
              </Card>
            </div>
            <div className="col-12 col-xl-6">
              <Card title="Conversations per hour of the day" section="hourly" range={range}>
                <ReportChart
                  title="Conversations per hour of the day"
                  summary={(() => {
                    const top = [...report.hourly].sort((a, b) => b.conversations - a.conversations)[0]!;
                    return top.conversations > 0
                      ? `Busiest hour: ${String(top.hour).padStart(2, '0')}:00 with ${top.conversations}.`
                      : 'No conversations in this range.';
                  })()}
                  labels={hourly!.labels}
                  series={hourly!.series}
                  table={
                    <Table
                      caption="Conversations per hour"
                      head={['Hour', 'Started']}
                      rows={report.hourly.map((h) => [`${String(h.hour).padStart(2, '0')}:00`, h.conversations])}
                    />
                  }
                />
              </Card>
            </div>
            <div className="col-12 col-xl-6">
              <Card title="Busiest hours" section="heatmap" range={range}>
                <HeatMap heatmap={report.heatmap} />
              </Card>
            </div>
            <div className="col-12 col-xl-6">
              <Card title="Satisfaction by agent" section="csat" range={range}>
                {report.csatByAgent.length === 0 ? (
                  <p className="text-body-secondary small mb-0">No ratings in this range.</p>
                ) : (
                  <ReportChart
                    title="Average rating by agent"
                    summary={`${report.totals.ratings} ratings; a rating counts for every agent in the conversation.`}
                    labels={csat!.labels}
                    series={csat!.series}
                    horizontal
                    height={Math.max(160, report.csatByAgent.length * 36)}
                    table={
                      <Table
                        caption="Satisfaction by agent"
                        head={['Agent', 'Ratings', 'Average', 'Satisfied (4–5)', '1/2/3/4/5']}
                        rows={csatRows(report.csatByAgent)}
                      />
                    }
                  />
                )}
                {report.csatByTeam === null && (
                  <p className="small text-body-secondary mt-2 mb-0">By team: available once teams are set up.</p>
                )}
              </Card>
            </div>
            <div className="col-12 col-xl-6">
              <Card title="Workload per agent" section="agents" range={range}>
                {report.agents.length === 0 ? (
                  <p className="text-body-secondary small mb-0">No agent activity in this range.</p>
                ) : (
                  <Scroll label="Workload per agent, as a table">
                    <Table
                      caption="Workload per agent"
                      head={['Agent', 'Joined', 'Closed', 'Replies', 'Median first reply']}
                      rows={report.agents.map((a) => [
                        a.name,
                        a.joined,
                        a.closed,
                        a.replies,
                        duration(a.medianFirstResponse),
                      ])}
                    />
                  </Scroll>
                )}
              </Card>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
