import { useId, useState, type FormEvent } from 'react';
import { QUOTA_PERIODS, type DashboardKey, type KeyInput, type KeyMode, type QuotaPeriod, type Quotas, type Restrictions } from '../../api';
import { ErrorAlert } from '../../components/alert';
import { Field } from '../../components/field';
import { useAction } from '../../use-action';

const CATEGORIES = ['production', 'staging', 'development'];

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

interface FormValues {
  name: string;
  category: string;
  mode: KeyMode;
  /** YYYY-MM-DD or empty for no expiry. */
  expires: string;
  quotas: Record<QuotaPeriod, string>;
  restrictions: Record<keyof Restrictions, string>;
}

function initialValues(key: DashboardKey | undefined): FormValues {
  return {
    name: key?.name ?? '',
    category: key?.category ?? 'production',
    mode: key?.mode ?? 'live',
    expires: key?.expires_at ? key.expires_at.slice(0, 10) : '',
    quotas: { total: '', daily: '', weekly: '', monthly: '', ...Object.fromEntries(Object.entries(key?.quotas ?? {}).map(([period, cap]) => [period, String(cap)])) },
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

/** The form's values as the API wants them, or the first thing to fix. */
function toInput(values: FormValues): { input: KeyInput } | { error: string } {
  if (values.name.trim() === '') return { error: 'Give the key a name, such as "Production server".' };
  const quotas: Quotas = {};
  for (const period of QUOTA_PERIODS) {
    const text = values.quotas[period].trim();
    if (text === '') continue;
    const cap = Number(text);
    if (!Number.isSafeInteger(cap) || cap < 1) return { error: `The ${period} quota must be a whole number of requests, 1 or more.` };
    quotas[period] = cap;
  }
  // The chosen day is the last day the key works, in the user's time zone.
  const expiresAt = values.expires === '' ? null : new Date(`${values.expires}T23:59:59.999`);
  if (expiresAt && expiresAt.getTime() <= Date.now()) return { error: 'The expiry date must be today or later.' };
  return {
    input: {
      name: values.name.trim(),
      category: values.category.trim() || 'production',
      mode: values.mode,
      expires_at: expiresAt ? expiresAt.toISOString() : null,
      quotas,
      restrictions: { ips: lines(values.restrictions.ips), referrers: lines(values.restrictions.referrers), endpoints: lines(values.restrictions.endpoints) },
    },
  };
}

interface KeyFormProps {
  /** The key being edited; absent when generating a new one. */
  editing?: DashboardKey;
  /** What new keys start with under the deployment's KEY_PREFIX. */
  prefixes: Record<KeyMode, string>;
  onSubmit(input: KeyInput): Promise<void>;
  onCancel(): void;
}

/** Generate New Key and Edit: name, category, mode (new keys only), expiry, quotas, restrictions. */
export function KeyForm({ editing, prefixes, onSubmit, onCancel }: KeyFormProps) {
  const id = useId();
  const [values, setValues] = useState(() => initialValues(editing));
  const { busy, error, setError, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = toInput(values);
    if ('error' in parsed) {
      setError(parsed.error);
      return;
    }
    await run(() => onSubmit(parsed.input));
  }

  return (
    <form className="card key-form" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{editing ? `Edit ${editing.name}` : 'Generate a new key'}</h2>
      <div className="grid">
        <Field label="Name" hint='Unique among your keys, e.g. "Production server".'>
          {(control) => <input {...control} name="name" maxLength={64} value={values.name} onChange={(event) => setValues({ ...values, name: event.target.value })} />}
        </Field>
        <Field label="Category" hint="production, staging, development or your own label.">
          {(control) => (
            <>
              <input {...control} name="category" list={`${id}-categories`} maxLength={32} value={values.category} onChange={(event) => setValues({ ...values, category: event.target.value })} />
              <datalist id={`${id}-categories`}>
                {CATEGORIES.map((category) => (
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
        <Field label="Expires" hint="Last day the key works. Leave empty for no expiry.">
          {(control) => <input {...control} type="date" name="expires" value={values.expires} onChange={(event) => setValues({ ...values, expires: event.target.value })} />}
        </Field>
      </div>

      <fieldset className="group">
        <legend>Quotas (requests, optional)</legend>
        <div className="grid grid-4">
          {QUOTA_PERIODS.map((period) => (
            <Field key={period} label={QUOTA_LABELS[period]}>
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
            <Field key={field} label={label} hint={hint}>
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
