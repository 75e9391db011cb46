import { useCallback, useEffect, useMemo, useState } from 'react';
import { PasswordConfirmDialog } from '../../shared/account/PasswordConfirmDialog.js';
import { api, ApiError } from '../../shared/api.js';
import { Field, FormError, SubmitButton, text, useSubmit } from '../../shared/ui/forms.js';

interface Status {
  enabled: boolean;
  enabledAt: string | null;
  recoveryCodesLeft: number;
  enrolmentRequired: boolean;
}
interface Enrolment {
  secret: string;
  uri: string;
  qrCode: string;
}

/** Recovery codes, shown once: to copy, download as a text file, then put away. */
function RecoveryCodes(props: { codes: string[]; onDone: () => void }) {
  const file = useMemo(
    () =>
      URL.createObjectURL(
        new Blob([`Support Central recovery codes (each works once)\n\n${props.codes.join('\n')}\n`], {
          type: 'text/plain',
        }),
      ),
    [props.codes],
  );
  useEffect(() => () => URL.revokeObjectURL(file), [file]);
  return (
    <div>
      <div className="alert alert-warning" role="status">
        Save these recovery codes now: each one signs you in once if you lose your phone. They are not shown again.
      </div>
      <ul className="list-unstyled font-monospace fs-5 row g-1 mb-3" aria-label="Recovery codes">
        {props.codes.map((c) => (
          <li key={c} className="col-6">
            {c}
          </li>
        ))}
      </ul>
      <div className="d-flex flex-wrap gap-2">
        <a className="btn btn-outline-primary" href={file} download="support-central-recovery-codes.txt">
          Download as a text file
        </a>
        <button type="button" className="btn btn-primary" onClick={props.onDone}>
          I have saved them
        </button>
      </div>
    </div>
  );
}

/** Enrolment: the QR code (and the key as text), then the first code from the app. */
function Enrol(props: { onEnabled: (codes: string[]) => void }) {
  const [enrolment, setEnrolment] = useState<Enrolment>();
  const [error, setError] = useState<string>();
  const confirm = useSubmit(
    (data) => api<{ recoveryCodes: string[] }>('POST', '/api/staff/two-factor/enable', { code: text(data, 'code') }),
    (r) => props.onEnabled(r.recoveryCodes),
  );
  if (!enrolment) {
    return (
      <>
        <FormError error={error} />
        <p>Sign in with your password and a code from an authenticator app on your phone.</p>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() =>
            api<Enrolment>('POST', '/api/staff/two-factor/setup').then(setEnrolment, (err: unknown) =>
              setError(err instanceof ApiError ? err.message : 'Could not start the set-up.'),
            )
          }
        >
          Set up two-factor sign-in
        </button>
      </>
    );
  }
  return (
    <div className="row g-3 align-items-start">
      <div className="col-12 col-sm-auto">
        <img
          src={enrolment.qrCode}
          width={180}
          height={180}
          alt="QR code to scan with your authenticator app"
          className="border rounded bg-white p-1"
        />
      </div>
      <div className="col">
        <ol className="ps-3">
          <li>
            Scan the QR code with an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password…).
          </li>
          <li>
            Cannot scan? Type this key instead:{' '}
            <code className="user-select-all text-break" aria-label="Set-up key">
              {enrolment.secret.replace(/(.{4})/g, '$1 ').trim()}
            </code>
          </li>
          <li>Enter the 6-digit code the app shows.</li>
        </ol>
        <form onSubmit={confirm.onSubmit} noValidate>
          <FormError error={confirm.state.error} />
          <Field
            label="Code from the app"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
            required
            error={confirm.state.fields.code}
          />
          <SubmitButton busy={confirm.state.busy} className="btn btn-primary">
            Turn on
          </SubmitButton>
        </form>
      </div>
    </div>
  );
}

/** Your account → Two-factor sign-in: enrol, new recovery codes, turn off (both need the password). */
export function TwoFactorSection(props: { onChanged: () => void }) {
  const [status, setStatus] = useState<Status>();
  const [codes, setCodes] = useState<string[]>();
  const [dialog, setDialog] = useState<'disable' | 'codes'>();
  const load = useCallback(() => {
    void api<Status>('GET', '/api/staff/two-factor').then(setStatus);
  }, []);
  useEffect(load, [load]);

  let body;
  if (codes) {
    body = (
      <RecoveryCodes
        codes={codes}
        onDone={() => {
          setCodes(undefined);
          load();
          props.onChanged();
        }}
      />
    );
  } else if (!status) body = <p role="status">Loading…</p>;
  else if (!status.enabled) body = <Enrol onEnabled={setCodes} />;
  else {
    body = (
      <>
        <p>
          <span className="badge text-bg-success me-2">On</span>
          since {new Date(status.enabledAt!).toLocaleDateString()} · {status.recoveryCodesLeft} recovery code
          {status.recoveryCodesLeft === 1 ? '' : 's'} left
        </p>
        <div className="d-flex flex-wrap gap-2">
          <button type="button" className="btn btn-outline-secondary" onClick={() => setDialog('codes')}>
            New recovery codes
          </button>
          <button type="button" className="btn btn-outline-danger" onClick={() => setDialog('disable')}>
            Turn off
          </button>
        </div>
      </>
    );
  }
  return (
    <>
      {body}
      <PasswordConfirmDialog
        open={dialog === 'codes'}
        title="Make new recovery codes?"
        confirmLabel="Make new codes"
        action={(password) =>
          api<{ recoveryCodes: string[] }>('POST', '/api/staff/two-factor/recovery-codes', { password }).then((r) =>
            setCodes(r.recoveryCodes),
          )
        }
        onCancel={() => setDialog(undefined)}
        onDone={() => setDialog(undefined)}
      >
        <p>Your current recovery codes stop working.</p>
      </PasswordConfirmDialog>
      <PasswordConfirmDialog
        open={dialog === 'disable'}
        title="Turn off two-factor sign-in?"
        confirmLabel="Turn off"
        danger
        action={(password) => api('POST', '/api/staff/two-factor/disable', { password })}
        onCancel={() => setDialog(undefined)}
        onDone={() => {
          setDialog(undefined);
          load();
          props.onChanged();
        }}
      >
        <p>Signing in will need your password only.</p>
      </PasswordConfirmDialog>
    </>
  );
}
