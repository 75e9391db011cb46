import { lazy, Suspense, type ReactNode } from 'react';
import { Link, Redirect, Route, Router, Switch, useLocation } from 'wouter';
import { api } from '../shared/api.js';
import { Layout } from '../shared/Layout.js';
import { useBranding } from '../shared/use-branding.js';
import { DeskPage } from './desk/DeskPage.js';
import { AuditPage } from './pages/admin/AuditPage.js';
import { HoursPage } from './pages/admin/HoursPage.js';
import { SettingsPage } from './pages/admin/SettingsPage.js';
import { UsersPage } from './pages/admin/UsersPage.js';
import { CannedRepliesPage } from './pages/admin/CannedRepliesPage.js';
import { MessageLogsPage } from './pages/admin/MessageLogsPage.js';
import { TopicsPage } from './pages/admin/TopicsPage.js';
import { TeamsPage } from './pages/admin/TeamsPage.js';
import { OverviewPage } from './pages/admin/OverviewPage.js';
import { WidgetPage } from './pages/admin/WidgetPage.js';
import { ApiTokensPage } from './pages/admin/ApiTokensPage.js';
import { WebhooksPage } from './pages/admin/WebhooksPage.js';
import { LabelsPage } from './pages/admin/LabelsPage.js';

// Charts (Chart.js) load with this page only: a chunk of its own, never on the desk or the visitor pages.
const ReportsPage = lazy(() =>
  import('./pages/admin/reports/ReportsPage.js').then((m) => ({ default: m.ReportsPage })),
);
import { resetStaffSocket } from './desk/staff-socket.js';
import { StaffForgotPasswordPage, StaffResetPasswordPage, StaffSignInPage } from './pages/StaffAuthPages.js';
import { StaffSessionProvider, useStaffSession } from './session.js';
import { StaffAccountPage } from './pages/StaffAccountPage.js';
import { ContactPage } from './pages/admin/ContactPage.js';

function NavLink(props: { href: string; children: ReactNode }) {
  const [location] = useLocation();
  const active = location === props.href || location.startsWith(props.href + '/');
  return (
    <Link href={props.href} className={`nav-link${active ? ' active' : ''}`} aria-current={active ? 'page' : undefined}>
      {props.children}
    </Link>
  );
}

function StaffNav() {
  const { me, refresh } = useStaffSession();
  const [, navigate] = useLocation();
  if (me?.kind !== 'staff') return null;
  return (
    <div className="sc-staff-nav d-flex flex-wrap align-items-center gap-1">
      <NavLink href="/desk">Desk</NavLink>
      {me.role === 'admin' && <NavLink href="/admin">Admin</NavLink>}
      <NavLink href="/account">{me.displayName}</NavLink>
      <button
        type="button"
        className="btn btn-link nav-link"
        onClick={() =>
          void api('POST', '/api/staff/logout').then(() => {
            resetStaffSocket();
            return refresh().then(() => navigate('/signin'));
          })
        }
      >
        Sign out
      </button>
    </div>
  );
}

/** The admin pages, reached from the "Admin" link; a second row of tabs moves between them. */
export const ADMIN_PAGES: { href: string; label: string }[] = [
  { href: '/admin/overview', label: 'Overview' },
  { href: '/admin/users', label: 'Users' },
  { href: '/admin/canned', label: 'Canned replies' },
  { href: '/admin/topics', label: 'Topics' },
  { href: '/admin/teams', label: 'Teams' },
  { href: '/admin/labels', label: 'Labels' },
  { href: '/admin/reports', label: 'Reports' },
  { href: '/admin/logs', label: 'Message logs' },
  { href: '/admin/hours', label: 'Hours' },
  { href: '/admin/widget', label: 'Widget' },
  { href: '/admin/audit', label: 'Audit log' },
  { href: '/admin/settings', label: 'Settings' },
  { href: '/admin/api-tokens', label: 'API tokens' },
  { href: '/admin/webhooks', label: 'Webhooks' },
];

function AdminTabs() {
  const [location] = useLocation();
  return (
    <nav aria-label="Admin pages" className="mb-3">
      <ul className="nav nav-pills flex-nowrap overflow-auto sc-admin-tabs">
        {ADMIN_PAGES.map((p) => (
          <li className="nav-item" key={p.href}>
            <Link
              href={p.href}
              className={`nav-link text-nowrap ${location === p.href ? 'active' : ''}`}
              aria-current={location === p.href ? 'page' : undefined}
            >
              {p.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Everything behind sign-in: unauthenticated visitors go to the sign-in page and come back afterwards. */
function Protected(props: { children: ReactNode; admin?: boolean }) {
  const { me, loading, twoFactorEnrolmentRequired } = useStaffSession();
  const [location] = useLocation();
  if (loading) return <p role="status">Loading…</p>;
  if (me?.kind !== 'staff') return <Redirect to={`/signin?next=${encodeURIComponent('/staff' + location)}`} />;
  // The policy requires this admin to set up two-factor first: the account page is the only place open to them.
  if (twoFactorEnrolmentRequired && location !== '/account') return <Redirect to="/account" />;
  if (props.admin && me.role !== 'admin') {
    return (
      <div className="alert alert-warning" role="alert">
        Only admins can open this page.
      </div>
    );
  }
  return props.admin ? (
    <>
      <AdminTabs />
      {props.children}
    </>
  ) : (
    <>{props.children}</>
  );
}

/** The staff app (agent desk and admin), served under /staff. */
export function App() {
  const branding = useBranding();
  return (
    <StaffSessionProvider>
      <Router base="/staff">
        <Layout brand={`${branding.serviceName} · Staff`} brandHref="/staff" nav={<StaffNav />} wide>
          <Switch>
            <Route path="/signin" component={StaffSignInPage} />
            <Route path="/forgot-password" component={StaffForgotPasswordPage} />
            <Route path="/reset-password" component={StaffResetPasswordPage} />
            <Route path="/">
              <Redirect to="/desk" />
            </Route>
            <Route path="/desk">
              <Protected>
                <h1 className="visually-hidden">Agent desk</h1>
                <DeskPage />
              </Protected>
            </Route>
            <Route path="/account">
              <Protected>
                <StaffAccountPage />
              </Protected>
            </Route>
            <Route path="/admin/contacts/:kind/:id">
              {(params: { kind: string; id: string }) => (
                <Protected admin>
                  <ContactPage kind={params.kind} id={params.id} />
                </Protected>
              )}
            </Route>
            <Route path="/admin/users">
              <Protected admin>
                <UsersPage />
              </Protected>
            </Route>
            <Route path="/admin">
              <Redirect to="/admin/overview" />
            </Route>
            <Route path="/admin/overview">
              <Protected admin>
                <OverviewPage />
              </Protected>
            </Route>
            <Route path="/admin/canned">
              <Protected admin>
                <CannedRepliesPage />
              </Protected>
            </Route>
            <Route path="/admin/topics">
              <Protected admin>
                <TopicsPage />
              </Protected>
            </Route>
            <Route path="/admin/teams">
              <Protected admin>
                <TeamsPage />
              </Protected>
            </Route>
            <Route path="/admin/labels">
              <Protected admin>
                <LabelsPage />
              </Protected>
            </Route>
            <Route path="/admin/reports">
              <Protected admin>
                <Suspense fallback={<p role="status">Loading…</p>}>
                  <ReportsPage />
                </Suspense>
              </Protected>
            </Route>
            <Route path="/admin/logs">
              <Protected admin>
                <MessageLogsPage />
              </Protected>
            </Route>
            <Route path="/admin/settings">
              <Protected admin>
                <SettingsPage />
              </Protected>
            </Route>
            <Route path="/admin/audit">
              <Protected admin>
                <AuditPage />
              </Protected>
            </Route>
            <Route path="/admin/widget">
              <Protected admin>
                <WidgetPage />
              </Protected>
            </Route>
            <Route path="/admin/api-tokens">
              <Protected admin>
                <ApiTokensPage />
              </Protected>
            </Route>
            <Route path="/admin/webhooks">
              <Protected admin>
                <WebhooksPage />
              </Protected>
            </Route>
            <Route path="/admin/hours">
              <Protected admin>
                <HoursPage />
              </Protected>
            </Route>
            <Route>
              <div className="alert alert-warning" role="alert">
                This page does not exist. <a href="/staff">Back to the desk</a>
              </div>
            </Route>
          </Switch>
        </Layout>
      </Router>
    </StaffSessionProvider>
  );
}
