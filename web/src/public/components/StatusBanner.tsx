import type { SupportStatus } from '../use-support-status.js';

/** The four ways support can be, as a visitor needs to know them. */
export type Availability = 'online' | 'away' | 'closed' | 'closed-override';

export function availabilityOf(status: SupportStatus): Availability {
  if (status.available) return status.agentsOnline > 0 ? 'online' : 'away';
  return status.override?.kind === 'closed' ? 'closed-override' : 'closed';
}

/** Each state in words, said once: a title and one sentence, never the same fact twice. */
function describe(status: SupportStatus): { title: string; detail: string } {
  const next = status.nextAvailable
    ? `We are back ${status.nextAvailable.text}.`
    : 'Your question waits in the queue until we are back.';
  const until = status.closesAt ? ` until ${status.closesAt.text}` : '';
  switch (availabilityOf(status)) {
    case 'online':
      return {
        title: 'Online now',
        detail: `${status.agentsOnline === 1 ? 'One agent is' : `${status.agentsOnline} agents are`} here to answer${until ? `,${until}` : ''}.`,
      };
    case 'away':
      return {
        title: 'Open, but all agents are away',
        detail:
          'Your question waits in the queue and someone answers as soon as they are back.' +
          (until ? ` Open${until}.` : ''),
      };
    case 'closed-override':
      return { title: `Closed today: ${status.override?.reason ?? 'holiday'}`, detail: next };
    case 'closed':
      return { title: 'Closed right now', detail: next };
  }
}

/**
 * Whether the team is online, in words, with today's hours. The title and sentence sit in a polite live region,
 * so screen readers hear when support opens or closes while the page is open. Everything here is text: an
 * override's reason is shown as typed, never as markup.
 */
export function StatusBanner(props: { status: SupportStatus | null; failed: boolean }) {
  const { status, failed } = props;
  if (status === null) {
    return (
      <div className="sc-status card text-start" role="status" aria-live="polite">
        <div className="card-body text-body-secondary">
          {failed
            ? 'We could not load our opening hours. You can still leave us a message.'
            : 'Checking whether we are online…'}
        </div>
      </div>
    );
  }
  const state = availabilityOf(status);
  const { title, detail } = describe(status);
  const border = { online: 'border-success', away: 'border-warning', closed: 'border-secondary' } as const;
  const dot = { online: 'sc-status-dot-online', away: 'sc-status-dot-away', closed: '' } as const;
  const tone = state === 'closed-override' ? 'closed' : state;
  return (
    <section
      className={`sc-status card text-start ${border[tone]}`}
      aria-labelledby="support-status-title"
      data-availability={state}
    >
      <div className="card-body">
        <div role="status" aria-live="polite">
          <h2 id="support-status-title" className="h6 mb-1 d-flex align-items-center gap-2">
            <span className={`sc-status-dot ${dot[tone]}`} aria-hidden="true" />
            {title}
          </h2>
          <p className="mb-2" data-testid="status-detail">
            {detail}
          </p>
        </div>
        {status.override?.kind === 'hours' && (
          <p className="small mb-2">
            <span className="badge text-bg-warning me-2">Special hours today</span>
            {status.override.reason}
          </p>
        )}
        <dl className="row small mb-0">
          <dt className="col-sm-4 text-body-secondary fw-normal">Today’s hours</dt>
          <dd className="col-sm-8 mb-1">
            {status.todaysHours.length === 0 ? (
              'Closed'
            ) : (
              <ul className="list-unstyled mb-0">
                {status.todaysHours.map((h) => (
                  <li key={h.startsAt}>{h.text}</li>
                ))}
              </ul>
            )}
          </dd>
          <dt className="col-sm-4 text-body-secondary fw-normal">Times shown in</dt>
          <dd className="col-sm-8 mb-0">{status.timezone.replace(/_/g, ' ')}</dd>
        </dl>
      </div>
    </section>
  );
}
