import { useId, type ReactNode } from 'react';

export interface FieldControlProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: true;
}

interface FieldProps {
  label: string;
  hint?: ReactNode;
  /** Why the value was refused, shown under the control (and announced) until it changes. */
  error?: string | undefined;
  children(control: FieldControlProps): ReactNode;
}

/**
 * A labelled form control with an optional hint and error. The label holds only the field's
 * name, so that is the control's accessible name; the error and the hint describe it.
 */
export function Field({ label, hint, error, children }: FieldProps) {
  const id = useId();
  const describedBy = [error !== undefined && `${id}-error`, hint !== undefined && `${id}-hint`].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(describedBy && { 'aria-describedby': describedBy }), ...(error !== undefined && { 'aria-invalid': true }) })}
      {error !== undefined && (
        <small id={`${id}-error`} className="field-error" role="alert">
          {error}
        </small>
      )}
      {hint !== undefined && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
    </div>
  );
}
