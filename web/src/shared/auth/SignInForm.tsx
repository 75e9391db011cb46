import { api } from '../api.js';
import { Field, FormError, SubmitButton, text, useSubmit } from '../ui/forms.js';

export interface SignInResult {
  redirectTo?: string;
  /** Staff with two-factor on: the password was right; the code comes next, with this challenge. */
  twoFactorRequired?: true;
  challenge?: string;
}

/** E-mail-or-username and password; the server's one "wrong credentials" error is shown above the form. */
export function SignInForm(props: { endpoint: string; next?: string; onSignedIn: (result: SignInResult) => void }) {
  const url = props.next ? `${props.endpoint}?next=${encodeURIComponent(props.next)}` : props.endpoint;
  const { onSubmit, state } = useSubmit(
    (data) => api<SignInResult>('POST', url, { login: text(data, 'login'), password: text(data, 'password') }),
    props.onSignedIn,
  );
  return (
    <form onSubmit={onSubmit} noValidate>
      <FormError error={state.error} />
      <Field label="E-mail or username" name="login" autoComplete="username" required error={state.fields.login} />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
        error={state.fields.password}
      />
      <SubmitButton busy={state.busy}>Sign in</SubmitButton>
    </form>
  );
}
