import { type ReactNode, useEffect, useRef } from 'react';

interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** Styles the confirm button as destructive. */
  danger?: boolean;
  busy?: boolean;
  onConfirm(): void;
  onCancel(): void;
  /** Where the keyboard goes when the dialog closes; by default, what had it when the dialog opened. */
  returnFocus?: HTMLElement | null;
}

/**
 * A modal <dialog>: focus stays inside, Escape cancels, Cancel has the initial focus, and
 * closing gives the keyboard back to where it was (not to the page's body).
 */
export function ConfirmDialog({ title, children, confirmLabel, danger = false, busy = false, onConfirm, onCancel, returnFocus }: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const returnTo = useRef(returnFocus);

  useEffect(() => {
    const element = dialog.current;
    const before = returnTo.current ?? (document.activeElement as HTMLElement | null);
    if (element && !element.open) element.showModal();
    return () => {
      element?.close();
      if (before?.isConnected) before.focus();
    };
  }, []);

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby="dialog-title"
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id="dialog-title">{title}</h2>
      <div className="dialog-body">{children}</div>
      <div className="actions">
        {/* biome-ignore lint/a11y/noAutofocus: WAI-ARIA's dialog pattern puts focus on the least destructive action when a dialog opens */}
        <button type="button" className="button button-secondary" onClick={onCancel} autoFocus>
          Cancel
        </button>
        <button type="button" className={danger ? 'button button-danger' : 'button'} onClick={onConfirm} disabled={busy}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
