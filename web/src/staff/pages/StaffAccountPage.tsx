import { useLocation } from 'wouter';
import { SessionList } from '../../shared/account/SessionList.js';
import { ChangePasswordForm } from '../../shared/auth/PasswordForms.js';
import { resetStaffSocket } from '../desk/staff-socket.js';
import { useStaffSession } from '../session.js';
import { TwoFactorSection } from './TwoFactorSection.js';

/** Your account (staff): password, two-factor sign-in, signed-in devices. */
export function StaffAccountPage() {
  const { me, refresh, twoFactorEnrolmentRequired } = useStaffSession();
  const [, navigate] = useLocation();
  return (
    <div className="row g-4">
      <div className="col-12">
        <h1 className="h3 mb-0">Your account</h1>
        <p className="text-body-secondary mb-0">
          {me?.displayName} · {me?.username} · {me?.role}
          {me?.jobTitle ? ` · ${me.jobTitle}` : ''}
        </p>
      </div>
      {twoFactorEnrolmentRequired && (
        <div className="col-12">
          <div className="alert alert-warning mb-0" role="alert">
            Admins must use two-factor sign-in here. Set it up below to continue to the desk and the admin pages.
          </div>
        </div>
      )}
      <section className="col-12 col-lg-6" aria-labelledby="two-factor-title">
        <div className="card border-0 shadow-sm h-100">
          <div className="card-body">
            <h2 id="two-factor-title" className="h5">
              Two-factor sign-in
            </h2>
            <TwoFactorSection onChanged={() => void refresh()} />
          </div>
        </div>
      </section>
      <section className="col-12 col-lg-6" aria-labelledby="password-title">
        <div className="card border-0 shadow-sm h-100">
          <div className="card-body">
            <h2 id="password-title" className="h5">
              Change password
            </h2>
            <ChangePasswordForm endpoint="/api/staff/password" />
          </div>
        </div>
      </section>
      <section className="col-12" aria-labelledby="sessions-title">
        <div className="card border-0 shadow-sm">
          <div className="card-body">
            <h2 id="sessions-title" className="h5">
              Sessions
            </h2>
            <SessionList
              endpoint="/api/staff/sessions"
              onSignedOutHere={() => {
                resetStaffSocket();
                void refresh().then(() => navigate('/signin'));
              }}
            />
          </div>
        </div>
      </section>
    </div>
  );
}
