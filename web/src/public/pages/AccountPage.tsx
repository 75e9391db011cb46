import { useState } from 'react';
import { useLocation } from 'wouter';
import { api } from '../../shared/api.js';
import { PasswordConfirmDialog } from '../../shared/account/PasswordConfirmDialog.js';
import { SessionList } from '../../shared/account/SessionList.js';
import { ChangePasswordForm } from '../../shared/auth/PasswordForms.js';
import { ConfirmDialog } from '../../shared/ui/ConfirmDialog.js';
import { Field, FormError, SubmitButton, text, useSubmit } from '../../shared/ui/forms.js';
import { useSession } from '../session.js';

/** A customer's account: name, password, devices (one or all signed out), and their data (download, delete). */
export function AccountPage() {
  const { me, loading, refresh } = useSession();
  const [, navigate] = useLocation();
  const [confirming, setConfirming] = useState(false);
  const [erasing, setErasing] = useState(false);
  const profile = useSubmit(
    (data) => api('PATCH', '/api/customers/me', { displayName: text(data, 'displayName') }),
    () => void refresh(),
  );

  if (loading) return <p role="status">Loading…</p>;
  if (me?.kind !== 'customer') {
    return (
      <div className="alert alert-info" role="status">
        Please <a href="/signin?next=/account">sign in</a> to see your account.
      </div>
    );
  }
  return (
    <div className="row g-4">
      <div className="col-12">
        <h1 className="h3 mb-0">Your account</h1>
        <p className="text-body-secondary">
          Signed in as <strong>{me.username}</strong> ({me.email})
          {me.emailVerified === false && ' · e-mail not confirmed yet'}
        </p>
      </div>
      <section className="col-12 col-lg-6" aria-labelledby="profile-title">
        <div className="card border-0 shadow-sm">
          <div className="card-body">
            <h2 id="profile-title" className="h5">
              Profile
            </h2>
            <form onSubmit={profile.onSubmit} noValidate>
              <FormError error={profile.state.error} />
              <Field
                label="Your name"
                name="displayName"
                defaultValue={me.displayName}
                required
                error={profile.state.fields.displayName}
              />
              <SubmitButton busy={profile.state.busy} className="btn btn-primary">
                Save
              </SubmitButton>
            </form>
          </div>
        </div>
      </section>
      <section className="col-12 col-lg-6" aria-labelledby="password-title">
        <div className="card border-0 shadow-sm">
          <div className="card-body">
            <h2 id="password-title" className="h5">
              Password
            </h2>
            <ChangePasswordForm endpoint="/api/customers/password" />
          </div>
        </div>
      </section>
      <section className="col-12 col-lg-6" aria-labelledby="sessions-title">
        <div className="card border-0 shadow-sm">
          <div className="card-body">
            <div className="d-flex flex-wrap gap-2 align-items-center mb-2">
              <h2 id="sessions-title" className="h5 me-auto mb-0">
                Sessions
              </h2>
              <button type="button" className="btn btn-sm btn-outline-danger" onClick={() => setConfirming(true)}>
                Sign out everywhere
              </button>
            </div>
            <SessionList
              endpoint="/api/customers/sessions"
              onSignedOutHere={() => void refresh().then(() => navigate('/'))}
            />
          </div>
        </div>
      </section>
      <section className="col-12 col-lg-6" aria-labelledby="data-title">
        <div className="card border-0 shadow-sm">
          <div className="card-body">
            <h2 id="data-title" className="h5">
              Your data
            </h2>
            <p className="text-body-secondary">
              Download everything we keep about you: your account, devices, and every conversation with its messages and
              files, as a zip of JSON files.
            </p>
            <div className="d-flex flex-wrap gap-2">
              <a className="btn btn-outline-primary" href="/api/customers/me/export" download>
                Download my data
              </a>
              <button type="button" className="btn btn-outline-danger" onClick={() => setErasing(true)}>
                Delete my account
              </button>
            </div>
          </div>
        </div>
      </section>
      <PasswordConfirmDialog
        open={erasing}
        title="Delete your account and all your data?"
        confirmLabel="Delete everything"
        danger
        action={(password) => api('POST', '/api/customers/me/erase', { password })}
        onCancel={() => setErasing(false)}
        onDone={() => {
          setErasing(false);
          void refresh().then(() => navigate('/'));
        }}
      >
        <p>
          Your account, your conversations with their messages and files, and your signed-in devices are deleted for
          good. This cannot be undone: download your data first if you want a copy.
        </p>
      </PasswordConfirmDialog>
      <ConfirmDialog
        open={confirming}
        title="Sign out everywhere?"
        confirmLabel="Sign out everywhere"
        danger
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          void api('POST', '/api/customers/logout-everywhere').then(() => refresh().then(() => navigate('/')));
        }}
      >
        Every browser and device signed in to this account will be signed out, this one included.
      </ConfirmDialog>
    </div>
  );
}
