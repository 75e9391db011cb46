import { useState } from 'react';
import { useLocation, useSearch } from 'wouter';
import { api } from '../../shared/api.js';
import { Field, FormError, SubmitButton, text, useSubmit } from '../../shared/ui/forms.js';
import { safeNextPath } from '../../../../src/shared/safe-redirect.js';
import { ForgotPasswordForm, ResetPasswordForm } from '../../shared/auth/PasswordForms.js';
import { SignInForm, type SignInResult } from '../../shared/auth/SignInForm.js';
import { AuthCard } from '../../shared/ui/AuthCard.js';
import { useStaffSession } from '../session.js';

/** The second step of a staff sign-in: a code from the authenticator app, or a recovery code. */
function TwoFactorStep(props: { challenge: string; next: string; onSignedIn: (r: SignInResult) => void }) {
  const url = `/api/staff/login/two-factor?next=${encodeURIComponent(props.next)}`;
  const { onSubmit, state } = useSubmit(
    (data) => api<SignInResult>('POST', url, { challenge: props.challenge, code: text(data, 'code') }),
    props.onSignedIn,
  );
  return (
    <form onSubmit={onSubmit} noValidate>
      <p>Enter the 6-digit code from your authenticator app.</p>
      <FormError error={state.error} />
      <Field
        label="Code"
        name="code"
        autoComplete="one-time-code"
        autoFocus
        required
        error={state.fields.code}
        hint="Lost your phone? Type one of your recovery codes instead."
      />
      <SubmitButton busy={state.busy}>Continue</SubmitButton>
    </form>
  );
}

export function StaffSignInPage() {
  const { refresh, passwordResetByEmail, loading } = useStaffSession();
  const [, navigate] = useLocation();
  const [challenge, setChallenge] = useState<string>();
  const next = safeNextPath(new URLSearchParams(useSearch()).get('next'), '/staff');
  const signedIn = (r: SignInResult) => {
    // Paths from the server are absolute (/staff/…); the router's base is /staff.
    const target = safeNextPath(r.redirectTo, '/staff');
    void refresh().then(() => navigate(`~${target}`));
  };
  // Without e-mail there is no reset link to send: say who can help instead.
  const footer = loading ? null : passwordResetByEmail ? (
    <a href="/staff/forgot-password">Forgot your password?</a>
  ) : (
    <span>Forgot your password? An administrator can set a new one for you.</span>
  );
  return (
    <AuthCard title={challenge ? 'Two-factor sign-in' : 'Staff sign in'} footer={challenge ? null : footer}>
      {challenge ? (
        <TwoFactorStep challenge={challenge} next={next} onSignedIn={signedIn} />
      ) : (
        <SignInForm
          endpoint="/api/staff/login"
          next={next}
          onSignedIn={(r) => (r.twoFactorRequired && r.challenge ? setChallenge(r.challenge) : signedIn(r))}
        />
      )}
    </AuthCard>
  );
}

export function StaffForgotPasswordPage() {
  const { passwordResetByEmail, loading } = useStaffSession();
  return (
    <AuthCard title="Forgot your password?" footer={<a href="/staff/signin">Back to sign in</a>}>
      {!loading && (
        <ForgotPasswordForm
          endpoint="/api/staff/password-reset/request"
          available={passwordResetByEmail}
          signInHref="/staff/signin"
        />
      )}
    </AuthCard>
  );
}

export function StaffResetPasswordPage() {
  return (
    <AuthCard title="Choose a new password">
      <ResetPasswordForm endpoint="/api/staff/password-reset/confirm" signInHref="/staff/signin" />
    </AuthCard>
  );
}
