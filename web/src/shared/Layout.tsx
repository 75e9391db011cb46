import { useEffect, useId, useState, type ReactNode } from 'react';

/**
 * The frame every screen sits in: a top bar with the service name and slots for navigation. On a phone the
 * navigation folds behind a Menu button, so the bar stays one row instead of wrapping to two or three.
 */
export function Layout(props: {
  brand: string;
  brandHref: string;
  nav?: ReactNode;
  children: ReactNode;
  wide?: boolean;
}) {
  const [menuOpen, setMenuOpen] = useState(false);
  const menuId = useId();
  // A link followed inside the menu closes it (the page changed under it).
  useEffect(() => {
    if (!menuOpen) return;
    const close = () => setMenuOpen(false);
    window.addEventListener('popstate', close);
    const onClick = (e: MouseEvent) => {
      if ((e.target as Element | null)?.closest?.(`[id="${menuId}"] a, [id="${menuId}"] button`)) close();
    };
    document.addEventListener('click', onClick);
    return () => {
      window.removeEventListener('popstate', close);
      document.removeEventListener('click', onClick);
    };
  }, [menuOpen, menuId]);
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
          {props.nav && (
            <>
              <button
                type="button"
                className="btn btn-sm btn-outline-secondary sc-menu-button"
                aria-expanded={menuOpen}
                aria-controls={menuId}
                onClick={() => setMenuOpen((v) => !v)}
              >
                Menu
              </button>
              <nav
                id={menuId}
                aria-label="Main"
                className={`navbar-nav ms-auto gap-2 align-items-center sc-nav${menuOpen ? ' sc-nav-open' : ''}`}
              >
                {props.nav}
              </nav>
            </>
          )}
        </div>
      </header>
      <main id="main" className={`flex-grow-1 ${props.wide ? 'container-fluid' : 'container'} py-4`}>
        {props.children}
      </main>
      <footer className="border-top py-3 text-center text-body-secondary small">Powered by Support Central</footer>
    </div>
  );
}
