import type { ReactNode } from 'react';

/** The frame every screen sits in: a top bar with the service name and slots for navigation. */
export function Layout(props: {
  brand: string;
  brandHref: string;
  nav?: ReactNode;
  children: ReactNode;
  wide?: boolean;
}) {
  return (
    <div className="d-flex flex-column min-vh-100">
      <header className="navbar navbar-expand bg-body border-bottom sc-topbar">
        <div className={props.wide ? 'container-fluid' : 'container'}>
          <a className="navbar-brand fw-semibold" href={props.brandHref}>
            <span className="sc-logo" aria-hidden="true">
              ●
            </span>{' '}
            {props.brand}
          </a>
          {props.nav && <nav className="navbar-nav ms-auto gap-2 align-items-center">{props.nav}</nav>}
        </div>
      </header>
      <main id="main" className={`flex-grow-1 ${props.wide ? 'container-fluid' : 'container'} py-4`}>
        {props.children}
      </main>
      <footer className="border-top py-3 text-center text-body-secondary small">Powered by Support Central</footer>
    </div>
  );
}
