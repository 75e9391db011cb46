import { useEffect, useState } from 'react';
import { AuthCard } from '../../shared/ui/AuthCard.js';
import { useLocation, useSearch } from 'wouter';
import { safeNextPath } from '../../../../src/shared/safe-redirect.js';
import { api } from '../../shared/api.js';
import { ForgotPasswordForm, NewPasswordFields, ResetPasswordForm } from '../../shared/auth/PasswordForms.js';
import { SignInForm } from '../../shared/auth/SignInForm.js';
import { clearHash, tokenFromHash } from '../../shared/token-from-hash.js';
import { Field, FormError, SubmitButton, text, useSubmit } from '../../shared/ui/forms.js';
import { useSession } from '../session.js';

function useNext(): string {
  const params = new URLSearchParams(useSearch());
  return safeNextPath(params.get('next'), '/');
}

export function SignInPage() {
  const [, navigate] = useLocation();
  const { refresh, passwordResetByEmail } = useSession();
  const next = useNext();
  return (
    <AuthCard
      title="Sign in"
      footer={
        <>
          New here? <a href="/register">Create an account</a>
          {/* Without e-mail there is no reset link to send: no promise of one. */}
          {passwordResetByEmail && (
            <>
              {' · '}
              <a href="/forgot-password">Forgot your password?</a>
            </>
          )}
        </>
      }
    >
      <p className="text-body-secondary small">
        Signing in keeps your conversation history on every device. If you are in a conversation now, it comes along.
      </p>
      <SignInForm
        endpoint="/api/customers/login"
        next={next}
        onSignedIn={(r) => {
          void refresh().then(() => navigate(safeNextPath(r.redirectTo, '/')));
        }}
      />
    </AuthCard>
  );
}

export function RegisterPage() {
  const [, navigate] = useLocation();
  const { refresh } = useSession();
  const next = useNext();
  const { onSubmit, state } = useSubmit(
    (data) =>
      api('POST', '/api/customers/register', {
        email: text(data, 'email'),
        username: text(data, 'username'),
        displayName: text(data, 'displayName'),
        password: text(data, 'password'),
        passwordConfirmation: text(data, 'passwordConfirmation'),
      }),
    () => void refresh().then(() => navigate(next)),
  );
  return (
    <AuthCard
      title="Create your account"
      footer={
        <>
          Already registered? <a href="/signin">Sign in</a>
        </>
      }
    >
      <form onSubmit={onSubmit} noValidate>
        <FormError error={state.error} />
        <Field
          label="E-mail address"
          name="email"
          type="email"
          autoComplete="email"
          required
          error={state.fields.email}
        />
        <Field
          label="Username"
          name="username"
          autoComplete="username"
          required
          minLength={3}
          maxLength={32}
          error={state.fields.username}
          hint="3–32 letters, digits, dots, dashes or underscores."
        />
        <Field
          label="Your name"
          name="displayName"
          autoComplete="name"
          required
          error={state.fields.displayName}
          hint="Shown to our team."
        />
        <NewPasswordFields fields={state.fields} names={['password', 'passwordConfirmation']} label="Password" />
        <SubmitButton busy={state.busy}>Create account</SubmitButton>
      </form>
    </AuthCard>
  );
}

export function ForgotPasswordPage() {
  const { passwordResetByEmail, loading } = useSession();
  return (
    <AuthCard title="Forgot your password?" footer={<a href="/signin">Back to sign in</a>}>
      {!loading && (
        <ForgotPasswordForm
          endpoint="/api/password-reset/request"
          available={passwordResetByEmail}
          signInHref="/signin"
        />
      )}
    </AuthCard>
  );
}

export function ResetPasswordPage() {
  return (
    <AuthCard title="Choose a new password">
      <ResetPasswordForm endpoint="/api/password-reset/confirm" signInHref="/signin" />
    </AuthCard>
  );
}

export function VerifyEmailPage() {
  const [status, setStatus] = useState<'working' | 'done' | 'failed'>('working');
  useEffect(() => {
    const token = tokenFromHash();
    if (!token) {
      setStatus('failed');
      return;
    }
    clearHash();
    api('POST', '/api/customers/verify-email', { token }).then(
      () => setStatus('done'),
      () => setStatus('failed'),
    );
  }, []);
  return (
    <AuthCard title="Confirm your e-mail address">
      {status === 'working' && <p role="status">Confirming…</p>}
      {status === 'done' && (
        <div className="alert alert-success" role="status">
          Thanks, your address is confirmed. <a href="/">Continue</a>
        </div>
      )}
      {status === 'failed' && (
        <div className="alert alert-warning" role="alert">
          This link is invalid, expired or already used.
        </div>
      )}
    </AuthCard>
  );
}
