import type { SupportStatus } from '../use-support-status.js';

/**
 * Whether the team is online, in words, with today's hours and the next opening. The message sits in a
 * polite live region, so screen readers hear when support opens or closes while the page is open.
 * Everything here is text: an override's reason is shown as typed, never as markup.
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
  const online = status.available;
  // Open by the schedule, but nobody at a desk: say so instead of promising a live answer.
  const away = online && status.agentsOnline === 0;
  return (
    <section
      className={`sc-status card text-start ${away ? 'border-warning' : online ? 'border-success' : 'border-secondary'}`}
      aria-labelledby="support-status-title"
    >
      <div className="card-body">
        <div role="status" aria-live="polite">
          <h2 id="support-status-title" className="h6 mb-1 d-flex align-items-center gap-2">
            <span
              className={`sc-status-dot ${away ? 'sc-status-dot-away' : online ? 'sc-status-dot-online' : ''}`}
              aria-hidden="true"
            />
            {away ? 'Open · all agents are away' : online ? 'Online now' : 'Offline'}
          </h2>
          <p className="mb-2">{status.message}</p>
        </div>
        {status.override && (
          <p className="small mb-2">
            <span className="badge text-bg-warning me-2">
              {status.override.kind === 'closed' ? 'Closed today' : 'Special hours'}
            </span>
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
          {!online && status.nextAvailable && (
            <>
              <dt className="col-sm-4 text-body-secondary fw-normal">Next opening</dt>
              <dd className="col-sm-8 mb-1">
                <time dateTime={status.nextAvailable.at}>{status.nextAvailable.text}</time>
              </dd>
            </>
          )}
          {online && (
            <>
              <dt className="col-sm-4 text-body-secondary fw-normal">Agents online</dt>
              <dd className="col-sm-8 mb-1" data-testid="agents-online">
                {status.agentsOnline === 0 ? 'None right now' : status.agentsOnline}
              </dd>
            </>
          )}
          <dt className="col-sm-4 text-body-secondary fw-normal">Times shown in</dt>
          <dd className="col-sm-8 mb-0">{status.timezone.replace(/_/g, ' ')}</dd>
        </dl>
      </div>
    </section>
  );
}
