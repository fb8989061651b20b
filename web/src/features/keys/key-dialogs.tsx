import { useState } from 'react';
import type { DashboardKey } from '../../api';
import { ErrorAlert } from '../../components/alert';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { Field } from '../../components/field';
import { Options } from '../../components/options';
import { useAction } from '../../use-action';

export type KeyDialog =
  | { kind: 'revoke' | 'rotate' | 'delete'; key: DashboardKey }
  /** Delete of a used key: why it can't be, and the offer to deactivate instead. */
  | { kind: 'used'; key: DashboardKey; reason?: string };

/** Values in seconds. */
const GRACE_PERIODS = [
  { value: 0, label: 'None: the old key stops working now' },
  { value: 3600, label: '1 hour' },
  { value: 86_400, label: '24 hours' },
  { value: 604_800, label: '7 days (the longest)' },
];

interface KeyDialogsProps {
  dialog: KeyDialog;
  /** Where the keyboard goes when the dialog closes. */
  returnFocus: HTMLElement | null;
  onCancel(): void;
  onRevoke(key: DashboardKey): Promise<void>;
  onDelete(key: DashboardKey): Promise<void>;
  onDeactivate(key: DashboardKey): Promise<void>;
  onRotate(key: DashboardKey, graceSeconds: number, name: string | undefined): Promise<void>;
}

/** The confirmations of the key actions that cannot be undone, and the refusal to delete a used key. */
export function KeyDialogs({ dialog, returnFocus, onCancel, onRevoke, onDelete, onDeactivate, onRotate }: KeyDialogsProps) {
  const { key } = dialog;
  const [graceSeconds, setGraceSeconds] = useState(0);
  const [name, setName] = useState('');
  const { busy, error, run } = useAction();

  switch (dialog.kind) {
    case 'revoke':
      return (
        <ConfirmDialog
          returnFocus={returnFocus}
          title={`Revoke "${key.name}"?`}
          confirmLabel="Revoke key"
          danger
          busy={busy}
          onConfirm={() => run(() => onRevoke(key))}
          onCancel={onCancel}
        >
          <p>
            Every request with{' '}
            <code>
              {key.prefix}...{key.last4}
            </code>{' '}
            is refused from now on. This cannot be undone; its logs are kept.
          </p>
          <p>To stop it for a while instead, deactivate it.</p>
        </ConfirmDialog>
      );
    case 'delete':
      return (
        <ConfirmDialog
          returnFocus={returnFocus}
          title={`Delete "${key.name}"?`}
          confirmLabel="Delete key"
          danger
          busy={busy}
          onConfirm={() => run(() => onDelete(key))}
          onCancel={onCancel}
        >
          <p>This key was never used. Deleting it removes it and its settings for good.</p>
        </ConfirmDialog>
      );
    case 'used':
      return (
        <ConfirmDialog
          returnFocus={returnFocus}
          title={`"${key.name}" can't be deleted`}
          confirmLabel="Deactivate instead"
          busy={busy}
          onConfirm={() => run(() => onDeactivate(key))}
          onCancel={onCancel}
        >
          <p>{dialog.reason ?? 'This key has been used, and its request history is kept for your records, so it cannot be deleted.'}</p>
          <p>Deactivate it to refuse its requests while keeping its history (you can reactivate it later), or revoke it to end it for good.</p>
        </ConfirmDialog>
      );
    case 'rotate':
      return (
        <ConfirmDialog
          returnFocus={returnFocus}
          title={`Rotate "${key.name}"`}
          confirmLabel="Rotate key"
          busy={busy}
          onConfirm={() => run(() => onRotate(key, graceSeconds, name.trim() || undefined))}
          onCancel={onCancel}
        >
          <p>A new key with the same category, mode, expiry, quotas and restrictions replaces this one. You will see the new key once.</p>
          <Field label="Grace period for the old key" hint="Time to deploy the new key before the old one is revoked.">
            {(control) => (
              <select {...control} value={graceSeconds} onChange={(event) => setGraceSeconds(Number(event.target.value))}>
                <Options items={GRACE_PERIODS} />
              </select>
            )}
          </Field>
          <Field label="Name of the new key">
            {(control) => (
              <input {...control} value={name} placeholder={`${key.name} (rotated)`} maxLength={64} onChange={(event) => setName(event.target.value)} />
            )}
          </Field>
          <ErrorAlert message={error} />
        </ConfirmDialog>
      );
  }
}
