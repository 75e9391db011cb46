import { useState } from 'react';
import { api } from '../api.js';
import { clearHash, tokenFromHash } from '../token-from-hash.js';
import { Field, FormError, SubmitButton, text, useSubmit } from '../ui/forms.js';

/** Asks for a reset link; without SMTP the page says to ask an admin instead. */
export function ForgotPasswordForm(props: { endpoint: string; available: boolean; signInHref: string }) {
  const [sent, setSent] = useState(false);
  const { onSubmit, state } = useSubmit(
    (data) => api('POST', props.endpoint, { email: text(data, 'email') }),
    () => setSent(true),
  );
  if (!props.available) {
    return (
      <div className="alert alert-info" role="status">
        Password reset by e-mail is not set up on this server. Please ask an administrator to reset your password.
      </div>
    );
  }
  if (sent) {
    return (
      <div className="alert alert-success" role="status">
        If an account uses that address, a reset link is on its way. It works once, for 30 minutes.{' '}
        <a href={props.signInHref}>Back to sign in</a>
      </div>
    );
  }
  return (
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
      <SubmitButton busy={state.busy}>Send reset link</SubmitButton>
    </form>
  );
}

/** Sets a new password with the token from the e-mail link (read from the URL fragment). */
export function ResetPasswordForm(props: { endpoint: string; signInHref: string }) {
  const [token] = useState(() => {
    const t = tokenFromHash();
    if (t) clearHash();
    return t;
  });
  const [done, setDone] = useState(false);
  const { onSubmit, state } = useSubmit(
    (data) =>
      api('POST', props.endpoint, {
        token,
        newPassword: text(data, 'newPassword'),
        newPasswordConfirmation: text(data, 'newPasswordConfirmation'),
      }),
    () => setDone(true),
  );
  if (!token) {
    return (
      <div className="alert alert-warning" role="alert">
        This link is incomplete. Open the link from the e-mail again, or ask for a new one.
      </div>
    );
  }
  if (done) {
    return (
      <div className="alert alert-success" role="status">
        Your password was changed and every other session was signed out. <a href={props.signInHref}>Sign in</a>
      </div>
    );
  }
  return (
    <form onSubmit={onSubmit} noValidate>
      <FormError error={state.error} />
      <NewPasswordFields fields={state.fields} names={['newPassword', 'newPasswordConfirmation']} />
      <SubmitButton busy={state.busy}>Set new password</SubmitButton>
    </form>
  );
}

export function NewPasswordFields(props: { fields: Record<string, string>; names: [string, string]; label?: string }) {
  return (
    <>
      <Field
        label={props.label ?? 'New password'}
        name={props.names[0]}
        type="password"
        autoComplete="new-password"
        required
        minLength={10}
        error={props.fields[props.names[0]]}
        hint="At least 10 characters. A few unrelated words make a strong, memorable password."
      />
      <Field
        label="Repeat the password"
        name={props.names[1]}
        type="password"
        autoComplete="new-password"
        required
        error={props.fields[props.names[1]]}
      />
    </>
  );
}

/** Change one's own password (the current one is required); other sessions end. */
export function ChangePasswordForm(props: { endpoint: string }) {
  const [round, setRound] = useState(0);
  const { onSubmit, state } = useSubmit(
    (data) =>
      api('POST', props.endpoint, {
        currentPassword: text(data, 'currentPassword'),
        newPassword: text(data, 'newPassword'),
        newPasswordConfirmation: text(data, 'newPasswordConfirmation'),
      }),
    () => setRound((r) => r + 1),
  );
  return (
    <>
      {round > 0 && (
        <div className="alert alert-success py-2" role="status">
          Password changed. You stay signed in here; every other device was signed out.
        </div>
      )}
      {/* A new key after each success empties the fields. */}
      <form key={round} onSubmit={onSubmit} noValidate>
        <FormError error={state.error} />
        <Field
          label="Current password"
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          required
          error={state.fields.currentPassword}
        />
        <NewPasswordFields fields={state.fields} names={['newPassword', 'newPasswordConfirmation']} />
        <SubmitButton busy={state.busy} className="btn btn-primary">
          Change password
        </SubmitButton>
      </form>
    </>
  );
}
