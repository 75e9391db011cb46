import { useLocation, useSearch } from 'wouter';
import { safeNextPath } from '../../../../src/shared/safe-redirect.js';
import { ForgotPasswordForm, ResetPasswordForm } from '../../shared/auth/PasswordForms.js';
import { SignInForm } from '../../shared/auth/SignInForm.js';
import { AuthCard } from '../../shared/ui/AuthCard.js';
import { useStaffSession } from '../session.js';

export function StaffSignInPage() {
  const { refresh, passwordResetByEmail, loading } = useStaffSession();
  const [, navigate] = useLocation();
  const next = safeNextPath(new URLSearchParams(useSearch()).get('next'), '/staff');
  // Without e-mail there is no reset link to send: say who can help instead.
  const footer = loading ? null : passwordResetByEmail ? (
    <a href="/staff/forgot-password">Forgot your password?</a>
  ) : (
    <span>Forgot your password? An administrator can set a new one for you.</span>
  );
  return (
    <AuthCard title="Staff sign in" footer={footer}>
      <SignInForm
        endpoint="/api/staff/login"
        next={next}
        onSignedIn={(r) => {
          // Paths from the server are absolute (/staff/…); the router's base is /staff.
          const target = safeNextPath(r.redirectTo, '/staff');
          void refresh().then(() => navigate(`~${target}`));
        }}
      />
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
