import { lazy, Suspense } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import { api } from '../shared/api.js';
import { Layout } from '../shared/Layout.js';
import { useBranding } from '../shared/use-branding.js';
import { ConversationPage } from './pages/ConversationPage.js';
import { LandingPage } from './pages/LandingPage.js';
import { resetVisitorSocket } from './conversation/visitor-socket.js';
import { SessionProvider, useSession } from './session.js';

// The landing page and the conversation are in the first download; account pages (sign-in, registration, password
// forms, history) are fetched when someone opens one, so a visitor who only asks a question never loads them.
const AuthPages = () => import('./pages/AuthPages.js');
const SignInPage = lazy(() => AuthPages().then((m) => ({ default: m.SignInPage })));
const RegisterPage = lazy(() => AuthPages().then((m) => ({ default: m.RegisterPage })));
const ForgotPasswordPage = lazy(() => AuthPages().then((m) => ({ default: m.ForgotPasswordPage })));
const ResetPasswordPage = lazy(() => AuthPages().then((m) => ({ default: m.ResetPasswordPage })));
const VerifyEmailPage = lazy(() => AuthPages().then((m) => ({ default: m.VerifyEmailPage })));
const AccountPage = lazy(() => import('./pages/AccountPage.js').then((m) => ({ default: m.AccountPage })));
const HistoryPage = lazy(() => import('./pages/HistoryPage.js').then((m) => ({ default: m.HistoryPage })));
const ResumePage = lazy(() => import('./pages/ResumePage.js').then((m) => ({ default: m.ResumePage })));

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
        <Suspense
          fallback={
            <p className="text-body-secondary" role="status">
              Loading…
            </p>
          }
        >
          <Switch>
            <Route path="/">
              <LandingPage
                serviceName={branding.serviceName}
                emailRequiredWhileClosed={branding.emailRequiredWhileClosed}
                mailConfigured={branding.mailConfigured}
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
              <section className="sc-hero mx-auto py-4" aria-labelledby="not-found-title">
                <h1 id="not-found-title" className="h3">
                  Page not found
                </h1>
                <p>
                  This page does not exist. <a href="/">Back to the start</a>
                </p>
              </section>
            </Route>
          </Switch>
        </Suspense>
      </Layout>
    </SessionProvider>
  );
}
