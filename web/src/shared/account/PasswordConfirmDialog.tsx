import { useState, type ReactNode } from 'react';
import { ApiError } from '../api.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { Field } from '../ui/forms.js';

/**
 * A confirmation that needs the person's password (turning two-factor off, deleting one's account): the server
 * checks it, and its answer ("is not your current password") shows next to the field.
 */
export function PasswordConfirmDialog(props: {
  open: boolean;
  title: string;
  confirmLabel: string;
  danger?: boolean;
  children: ReactNode;
  action: (password: string) => Promise<unknown>;
  onDone: () => void;
  onCancel: () => void;
}) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const close = () => {
    setPassword('');
    setError(undefined);
    props.onCancel();
  };
  return (
    <ConfirmDialog
      open={props.open}
      title={props.title}
      confirmLabel={props.confirmLabel}
      danger={props.danger}
      busy={busy}
      onCancel={close}
      onConfirm={() => {
        setBusy(true);
        props.action(password).then(
          () => {
            setBusy(false);
            setPassword('');
            setError(undefined);
            props.onDone();
          },
          (err: unknown) => {
            setBusy(false);
            setError(
              err instanceof ApiError
                ? (err.fields.password ?? err.message)
                : 'Something went wrong. Please try again.',
            );
          },
        );
      }}
    >
      {props.children}
      <Field
        label="Your password"
        name="confirm-password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.currentTarget.value)}
        error={error}
      />
    </ConfirmDialog>
  );
}
