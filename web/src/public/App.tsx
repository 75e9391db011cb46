import { Link, Route, Switch, useLocation } from 'wouter';
import { api } from '../shared/api.js';
import { Layout } from '../shared/Layout.js';
import { useBranding } from '../shared/use-branding.js';
import { AccountPage } from './pages/AccountPage.js';
import { ConversationPage } from './pages/ConversationPage.js';
import { HistoryPage } from './pages/HistoryPage.js';
import { ForgotPasswordPage, RegisterPage, ResetPasswordPage, SignInPage, VerifyEmailPage } from './pages/AuthPages.js';
import { LandingPage } from './pages/LandingPage.js';
import { ResumePage } from './pages/ResumePage.js';
import { resetVisitorSocket } from './conversation/visitor-socket.js';
import { SessionProvider, useSession } from './session.js';

function Nav() {
  const { me, refresh } = useSession();
  const [, navigate] = useLocation();
  if (me?.kind === 'customer') {
    return (
      <>
        <Link href="/conversations" className="nav-link">
          My conversations
        </Link>
        <Link href="/account" className="nav-link">
          {me.displayName}
        </Link>
        <button
          type="button"
          className="btn btn-link nav-link"
          onClick={() =>
            void api('POST', '/api/customers/logout').then(() => {
              resetVisitorSocket();
              return refresh().then(() => navigate('/'));
            })
          }
        >
          Sign out
        </button>
      </>
    );
  }
  return (
    <>
      <Link href="/signin" className="nav-link">
        Sign in
      </Link>
      <Link href="/register" className="btn btn-outline-primary btn-sm">
        Create account
      </Link>
    </>
  );
}

/** The visitor and customer app. */
export function App() {
  const branding = useBranding();
  return (
    <SessionProvider>
      <Layout brand={branding.serviceName} brandHref="/" nav={<Nav />}>
        <Switch>
          <Route path="/">
            <LandingPage
              serviceName={branding.serviceName}
              emailRequiredWhileClosed={branding.emailRequiredWhileClosed}
            />
          </Route>
          <Route path="/signin" component={SignInPage} />
          <Route path="/register" component={RegisterPage} />
          <Route path="/forgot-password" component={ForgotPasswordPage} />
          <Route path="/reset-password" component={ResetPasswordPage} />
          <Route path="/verify-email" component={VerifyEmailPage} />
          <Route path="/resume" component={ResumePage} />
          <Route path="/account" component={AccountPage} />
          <Route path="/conversations" component={HistoryPage} />
          <Route path="/c/:id">{(params) => <ConversationPage key={params.id} id={params.id} />}</Route>
          <Route>
            <div className="alert alert-warning" role="alert">
              This page does not exist. <a href="/">Back to the start</a>
            </div>
          </Route>
        </Switch>
      </Layout>
    </SessionProvider>
  );
}
