import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { ApiError, type DashboardKey, type KeyInput, type KeyMode, QUOTA_PERIODS, type QuotaPeriod, type Quotas, type Restrictions } from '../../api';
import { ErrorAlert } from '../../components/alert';
import { Field } from '../../components/field';
import { utcDay } from '../../components/format';
import { errorMessage } from '../../use-load';

const QUOTA_LABELS: Record<QuotaPeriod, string> = { total: 'All time', daily: 'Daily', weekly: 'Weekly', monthly: 'Monthly' };

const RESTRICTIONS: { field: keyof Restrictions; label: string; hint: string; placeholder: string }[] = [
  { field: 'ips', label: 'Allowed IP addresses', hint: 'IPs or CIDR ranges, v4 or v6, one per line.', placeholder: '203.0.113.7\n10.0.0.0/8' },
  {
    field: 'referrers',
    label: 'Allowed origins',
    hint: 'Checked against the Origin or Referer header, one per line. *.example.com matches subdomains only.',
    placeholder: 'https://app.example.com\nhttps://*.example.com',
  },
  { field: 'endpoints', label: 'Allowed endpoints', hint: 'Method and route, exactly, one per line.', placeholder: 'GET /api/v1/sites\nGET /api/v1/sites/:id' },
];

const EXPIRY_PRESETS = [30, 60, 90];

/** A form field by the name the server gives it in a VALIDATION_ERROR (`restrictions.ips: ...`). */
type FieldName = 'name' | 'category' | 'expires_at' | `quotas.${QuotaPeriod}` | `restrictions.${keyof Restrictions}`;
type FieldErrors = Partial<Record<FieldName, string>>;

interface FormValues {
  name: string;
  category: string;
  mode: KeyMode;
  /** YYYY-MM-DD (a UTC day, the last the key works) or empty for no expiry. */
  expires: string;
  quotas: Record<QuotaPeriod, string>;
  restrictions: Record<keyof Restrictions, string>;
}

function initialValues(key: DashboardKey | undefined, defaultCategory: string): FormValues {
  return {
    name: key?.name ?? '',
    category: key?.category ?? defaultCategory,
    mode: key?.mode ?? 'live',
    // The UTC day, as the field is read back (end of that UTC day): saving unchanged keeps the expiry.
    expires: key?.expires_at ? key.expires_at.slice(0, 10) : '',
    quotas: {
      total: '',
      daily: '',
      weekly: '',
      monthly: '',
      ...Object.fromEntries(Object.entries(key?.quotas ?? {}).map(([period, cap]) => [period, String(cap)])),
    },
    restrictions: {
      ips: key?.restrictions.ips.join('\n') ?? '',
      referrers: key?.restrictions.referrers.join('\n') ?? '',
      endpoints: key?.restrictions.endpoints.join('\n') ?? '',
    },
  };
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/** The last millisecond of a UTC day: the chosen day is the last one the key works. */
function endOfUtcDay(day: string): string {
  return `${day}T23:59:59.999Z`;
}

/**
 * The form's values as the API wants them, or what to fix, field by field. An edit sends
 * the expiry only when the field changed, so an old expiry saved at another time of day stays exactly as it was.
 */
function toInput(values: FormValues, editing: DashboardKey | undefined, defaultCategory: string): { input: KeyInput } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (values.name.trim() === '') errors.name = 'Give the key a name, such as "Production server".';
  const quotas: Quotas = {};
  for (const period of QUOTA_PERIODS) {
    const text = values.quotas[period].trim();
    if (text === '') continue;
    const cap = Number(text);
    if (!Number.isSafeInteger(cap) || cap < 1) errors[`quotas.${period}`] = 'A whole number of requests, 1 or more.';
    else quotas[period] = cap;
  }
  const expiryChanged = values.expires !== initialValues(editing, defaultCategory).expires;
  if (expiryChanged && values.expires !== '' && values.expires < utcDay()) errors.expires_at = 'Choose today or a later day (UTC).';
  if (Object.keys(errors).length > 0) return { errors };
  return {
    input: {
      name: values.name.trim(),
      category: values.category.trim() || defaultCategory,
      mode: values.mode,
      ...(expiryChanged && { expires_at: values.expires === '' ? null : endOfUtcDay(values.expires) }),
      quotas,
      restrictions: { ips: lines(values.restrictions.ips), referrers: lines(values.restrictions.referrers), endpoints: lines(values.restrictions.endpoints) },
    },
  };
}

const FIELD_NAMES: FieldName[] = [
  'name',
  'category',
  'expires_at',
  ...QUOTA_PERIODS.map((period) => `quotas.${period}` as const),
  ...(['ips', 'referrers', 'endpoints'] as const).map((field) => `restrictions.${field}` as const),
];

/** A refusal of the server put next to the field it names; anything else is for the whole form. */
function fieldError(failure: unknown): FieldErrors | undefined {
  if (!(failure instanceof ApiError) || failure.code !== 'VALIDATION_ERROR') return undefined;
  const match = /^([a-z_]+(?:\.[a-z_]+)?)(?:\[\d+\])?: (.*)$/.exec(failure.message);
  if (!match) return undefined;
  const [, field, problem] = match as unknown as [string, FieldName, string];
  return FIELD_NAMES.includes(field) ? { [field]: `${problem.charAt(0).toUpperCase()}${problem.slice(1)}.` } : undefined;
}

interface KeyFormProps {
  /** The key being edited; absent when generating a new one. */
  editing?: DashboardKey;
  /** What new keys start with under the deployment's KEY_PREFIX. */
  prefixes: Record<KeyMode, string>;
  /** The standard categories, the default first, as the server lists them. */
  categories: string[];
  onSubmit(input: KeyInput): Promise<void>;
  onCancel(): void;
}

/** Generate New Key and Edit: name, category, mode (new keys only), expiry, quotas, restrictions. */
export function KeyForm({ editing, prefixes, categories, onSubmit, onCancel }: KeyFormProps) {
  const defaultCategory = categories[0] ?? '';
  const id = useId();
  const form = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState(() => initialValues(editing, defaultCategory));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  // Opened from anywhere on the page (row 10 included): brought into view, with the keyboard in its first field.
  useEffect(() => {
    form.current?.scrollIntoView({ block: 'start' });
    form.current?.querySelector<HTMLInputElement>('input[name="name"]')?.focus({ preventScroll: true });
  }, []);

  // After a refusal, the keyboard goes to the first field to fix.
  useEffect(() => {
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    const parsed = toInput(values, editing, defaultCategory);
    if ('errors' in parsed) {
      setErrors(parsed.errors);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      await onSubmit(parsed.input);
    } catch (failure) {
      const byField = fieldError(failure);
      if (byField) setErrors(byField);
      else setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  }

  const invalidCount = Object.keys(errors).length;
  return (
    <form ref={form} className="card key-form" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>{editing ? `Edit ${editing.name}` : 'Generate a new key'}</h2>
      <div className="grid">
        <Field label="Name" hint='Unique among your keys, e.g. "Production server".' error={errors.name}>
          {(control) => (
            <input {...control} name="name" maxLength={64} value={values.name} onChange={(event) => setValues({ ...values, name: event.target.value })} />
          )}
        </Field>
        <Field label="Category" hint={`${categories.join(', ')} or your own label.`} error={errors.category}>
          {(control) => (
            <>
              <input
                {...control}
                name="category"
                list={`${id}-categories`}
                maxLength={32}
                value={values.category}
                onChange={(event) => setValues({ ...values, category: event.target.value })}
              />
              <datalist id={`${id}-categories`}>
                {categories.map((category) => (
                  <option key={category} value={category} />
                ))}
              </datalist>
            </>
          )}
        </Field>
        {!editing && (
          <fieldset className="field">
            <legend>Mode</legend>
            <div className="radios">
              {(['live', 'test'] as const).map((mode) => (
                <label key={mode} className="radio">
                  <input type="radio" name="mode" value={mode} checked={values.mode === mode} onChange={() => setValues({ ...values, mode })} />
                  {mode === 'live' ? `Live (${prefixes.live}…)` : `Test (${prefixes.test}…): writes are dry runs`}
                </label>
              ))}
            </div>
          </fieldset>
        )}
        <div>
          <Field label="Expires (UTC)" hint="The last day the key works, until 23:59:59 UTC. Leave empty for no expiry." error={errors.expires_at}>
            {(control) => (
              <input
                {...control}
                type="date"
                name="expires"
                min={utcDay()}
                value={values.expires}
                onChange={(event) => setValues({ ...values, expires: event.target.value })}
              />
            )}
          </Field>
          <div className="presets" role="group" aria-label="Expiry presets">
            {EXPIRY_PRESETS.map((days) => (
              <button key={days} type="button" className="button button-small button-secondary" onClick={() => setValues({ ...values, expires: utcDay(days) })}>
                In {days} days
              </button>
            ))}
            <button type="button" className="button button-small button-secondary" onClick={() => setValues({ ...values, expires: '' })}>
              Never
            </button>
          </div>
        </div>
      </div>

      <fieldset className="group">
        <legend>Quotas (requests, optional)</legend>
        <div className="grid grid-4">
          {QUOTA_PERIODS.map((period) => (
            <Field key={period} label={QUOTA_LABELS[period]} error={errors[`quotas.${period}`]}>
              {(control) => (
                <input
                  {...control}
                  type="number"
                  inputMode="numeric"
                  min={1}
                  step={1}
                  name={`quota-${period}`}
                  placeholder="No cap"
                  value={values.quotas[period]}
                  onChange={(event) => setValues({ ...values, quotas: { ...values.quotas, [period]: event.target.value } })}
                />
              )}
            </Field>
          ))}
        </div>
        <small className="hint">Daily, weekly and monthly are rolling 24 hours, 7 days and 30 days.</small>
      </fieldset>

      <fieldset className="group">
        <legend>Restrictions (optional)</legend>
        <div className="grid grid-3">
          {RESTRICTIONS.map(({ field, label, hint, placeholder }) => (
            <Field key={field} label={label} hint={hint} error={errors[`restrictions.${field}`]}>
              {(control) => (
                <textarea
                  {...control}
                  name={field}
                  rows={3}
                  placeholder={placeholder}
                  spellCheck={false}
                  value={values.restrictions[field]}
                  onChange={(event) => setValues({ ...values, restrictions: { ...values.restrictions, [field]: event.target.value } })}
                />
              )}
            </Field>
          ))}
        </div>
      </fieldset>

      {invalidCount > 0 && (
        <p className="field-error" role="alert">
          {invalidCount === 1 ? 'One field needs a change' : `${invalidCount} fields need a change`}: see the message under it.
        </p>
      )}
      <ErrorAlert message={error} />
      <div className="actions">
        <button type="button" className="button button-secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button" disabled={busy}>
          {editing ? 'Save changes' : 'Generate key'}
        </button>
      </div>
    </form>
  );
}
