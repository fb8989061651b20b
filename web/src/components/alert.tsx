import type { ReactNode } from 'react';

/** An error that screen readers announce as soon as it appears. */
export function ErrorAlert({ message, children }: { message: string | undefined; children?: ReactNode }) {
  if (!message) return null;
  return (
    <div className="alert alert-error" role="alert">
      <p>{message}</p>
      {children}
    </div>
  );
}

/** A polite live region for confirmations ("Key deactivated"). */
export function Notice({ message }: { message: string | undefined }) {
  return (
    <p className="notice" role="status" aria-live="polite">
      {message}
    </p>
  );
}
