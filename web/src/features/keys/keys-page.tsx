import { useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { ApiError, api, type DashboardKey, type KeyInput, type KeyMode, type KeyStatus, QUOTA_PERIODS } from '../../api';
import { ErrorAlert, Notice } from '../../components/alert';
import { Field } from '../../components/field';
import { formatDateTime, formatLimit, formatNumber } from '../../components/format';
import { Options } from '../../components/options';
import { type MenuItem, RowMenu } from '../../components/row-menu';
import { TableHead } from '../../components/table-head';
import { usePageTitle } from '../../page-title';
import { useSession } from '../../session';
import { errorMessage, useLoad } from '../../use-load';
import { type KeyDialog, KeyDialogs } from './key-dialogs';
import { KeyForm } from './key-form';
import { LeakFlag } from './leak-flag';
import { SecretReveal } from './secret-reveal';

type Panel = { kind: 'new' } | { kind: 'edit'; key: DashboardKey } | { kind: 'secret'; name: string; secret: string };

export const STATUS_LABELS: Record<DashboardKey['status'], string> = {
  active: 'Active',
  inactive: 'Deactivated',
  expired: 'Expired',
  revoked: 'Revoked',
  rotating: 'Rotating',
};

const STATUS_FILTERS: { value: KeyStatus | ''; label: string }[] = [
  { value: '', label: 'Any status' },
  ...(['active', 'inactive', 'expired', 'rotating'] as const).map((status) => ({ value: status, label: STATUS_LABELS[status] })),
];
const MODE_FILTERS: { value: KeyMode | ''; label: string }[] = [
  { value: '', label: 'Live and test' },
  { value: 'live', label: 'Live' },
  { value: 'test', label: 'Test' },
];

function newestFirst(keys: DashboardKey[]): DashboardKey[] {
  return [...keys].sort((a, b) => b.created_at.localeCompare(a.created_at) || a.name.localeCompare(b.name));
}

export function QuotaUse({ apiKey }: { apiKey: DashboardKey }) {
  const periods = QUOTA_PERIODS.filter((period) => apiKey.quotas[period] !== undefined);
  if (periods.length === 0) return <span className="muted">No quota</span>;
  return (
    <ul className="quota-list">
      {periods.map((period) => (
        <li key={period}>
          {period}: {formatNumber(apiKey.quota_use[period] ?? 0)} / {formatNumber(apiKey.quotas[period]!)}
        </li>
      ))}
    </ul>
  );
}

/**
 * "3 of 3 keys used", with rotated keys in their grace period told apart: they still work
 * and still count until their grace ends, so the plain count would read "4 of 3".
 */
function KeyLimit({ used, maxKeys, rotating, plan }: { used: number; maxKeys: number | null; rotating: DashboardKey[]; plan: string | undefined }) {
  const latest = rotating.reduce<string | null>((last, key) => (key.revoked_at && (!last || key.revoked_at > last) ? key.revoked_at : last), null);
  return (
    <p data-testid="key-limit">
      <strong>
        {formatNumber(used - rotating.length)} of {formatLimit(maxKeys)}
      </strong>{' '}
      keys used on the {plan} plan. Revoked and deleted keys do not count.
      {rotating.length > 0 && (
        <>
          {' '}
          {rotating.length === 1
            ? `"${rotating[0]!.name}" is being rotated out: it keeps working, and holds a place,`
            : `${rotating.length} rotated keys keep working, and hold a place each,`}{' '}
          until {formatDateTime(latest)}.
        </>
      )}
    </p>
  );
}

export function KeysPage() {
  usePageTitle('API Keys');
  const { session } = useSession();
  const { data, error, reload } = useLoad(() => api.keys());
  const [panel, setPanel] = useState<Panel | null>(null);
  const [dialog, setDialog] = useState<KeyDialog | null>(null);
  const [notice, setNotice] = useState<string>();
  const [actionError, setActionError] = useState<string>();
  const [search, setSearch] = useState('');
  const [statusFilter, setStatusFilter] = useState<KeyStatus | ''>('');
  const [modeFilter, setModeFilter] = useState<KeyMode | ''>('');
  const heading = useRef<HTMLHeadingElement>(null);
  // The row's "⋯" button (or Generate) that opened the dialog or form: the keyboard goes back there.
  const opener = useRef<HTMLElement | null>(null);

  const limit = data?.limit;
  const rotating = data?.keys.filter((key) => key.status === 'rotating') ?? [];
  const atLimit = limit !== undefined && limit.max_keys !== null && limit.used >= limit.max_keys;

  /** Gives the keyboard back to what opened the last dialog or form, or to the page heading if that is gone. */
  function restoreFocus() {
    requestAnimationFrame(() => (opener.current?.isConnected ? opener.current : heading.current)?.focus());
  }

  /** A new action starts: what the last one said is no longer news. */
  function startAction() {
    setNotice(undefined);
    setActionError(undefined);
  }

  function openPanel(next: Panel, from: HTMLElement) {
    startAction();
    opener.current = from;
    setPanel(next);
  }

  function closePanel() {
    setPanel(null);
    restoreFocus();
  }

  function openDialog(next: KeyDialog, from: HTMLElement) {
    startAction();
    opener.current = from;
    setDialog(next);
  }

  /**
   * Runs a key action, then shows its outcome and the refreshed list. A refusal is shown as an
   * error, unless `explain` turns it into a dialog.
   */
  async function act(action: () => Promise<string>, explain?: (failure: unknown) => KeyDialog | undefined) {
    startAction();
    let next: KeyDialog | null = null;
    try {
      setNotice(await action());
    } catch (failure) {
      next = explain?.(failure) ?? null;
      if (!next) setActionError(errorMessage(failure));
    }
    setDialog(next);
    reload();
    if (!next) restoreFocus();
  }

  async function create(input: KeyInput) {
    const { key, secret } = await api.createKey(input);
    setPanel({ kind: 'secret', name: key.name, secret });
    reload();
  }

  async function update(key: DashboardKey, input: KeyInput) {
    const { mode: _mode, ...changes } = input;
    await api.updateKey(key.id, changes);
    closePanel();
    setNotice(`Saved the changes to "${input.name}".`);
    reload();
  }

  const remove = (key: DashboardKey) =>
    act(
      () => api.deleteKey(key.id).then(() => `Deleted "${key.name}".`),
      // The list said never used, but a request got in meanwhile: explain and offer the alternative.
      (failure) => (failure instanceof ApiError && failure.code === 'KEY_USED' ? { kind: 'used', key, reason: failure.message } : undefined),
    );

  const deactivate = (key: DashboardKey) =>
    act(() => api.setKeyState(key.id, 'deactivate').then(() => `Deactivated "${key.name}": its requests are refused until you reactivate it.`));

  async function rotate(key: DashboardKey, graceSeconds: number, name: string | undefined) {
    const { key: replacement, secret } = await api.rotateKey(key.id, graceSeconds, name);
    setDialog(null);
    setPanel({ kind: 'secret', name: replacement.name, secret });
    reload();
  }

  const dismissLeak = (key: DashboardKey) =>
    act(() => api.setKeyState(key.id, 'dismiss-leak').then(() => `Dismissed the leak warning of "${key.name}". It stays revoked.`));

  function actions(key: DashboardKey): MenuItem[] {
    const item = (label: string, onSelect: (trigger: HTMLButtonElement) => void, danger = false): MenuItem => ({
      label,
      accessibleLabel: `${label} ${key.name}`,
      danger,
      onSelect,
    });
    const open = (kind: Exclude<KeyDialog['kind'], 'used'>) => (trigger: HTMLButtonElement) => openDialog({ kind, key }, trigger);
    const items: MenuItem[] = [];
    if (key.status !== 'rotating') {
      items.push(item('Edit', (trigger) => openPanel({ kind: 'edit', key }, trigger)));
      items.push(
        key.active
          ? item('Deactivate', (trigger) => {
              opener.current = trigger;
              void deactivate(key);
            })
          : item('Reactivate', (trigger) => {
              opener.current = trigger;
              void act(() => api.setKeyState(key.id, 'reactivate').then(() => `Reactivated "${key.name}".`));
            }),
      );
      items.push(item('Rotate', open('rotate')));
    }
    items.push(item('Revoke', open('revoke'), true));
    if (key.status !== 'rotating') {
      items.push(item('Delete', (trigger) => (key.used ? openDialog({ kind: 'used', key }, trigger) : open('delete')(trigger)), true));
    }
    return items;
  }

  function row(key: DashboardKey) {
    // Only a key revoked as leaked is listed revoked: flagged, with nothing left to do but dismiss.
    if (key.status === 'revoked') return leakedRow(key);
    return (
      <tr key={key.id}>
        <th scope="row" data-label="Name">
          <Link to={`/settings/api-keys/${key.id}`}>{key.name}</Link>
        </th>
        <td data-label="Category">{key.category}</td>
        <td data-label="Mode">
          <span className={`badge badge-${key.mode}`}>{key.mode}</span>
        </td>
        <td data-label="Key">
          <code>
            {key.prefix}...{key.last4}
          </code>
        </td>
        <td data-label="Created">{formatDateTime(key.created_at)}</td>
        <td data-label="Last used">{formatDateTime(key.last_used_at)}</td>
        <td data-label="Status">
          <span className={`badge badge-${key.status}`}>{STATUS_LABELS[key.status]}</span>
          {key.status === 'rotating' && key.revoked_at && <small className="hint"> until {formatDateTime(key.revoked_at)}</small>}
          {key.status !== 'rotating' && key.expires_at && <small className="hint"> expires {formatDateTime(key.expires_at)}</small>}
        </td>
        <td data-label="Quota use">
          <QuotaUse apiKey={key} />
        </td>
        <td data-label="OAuth tokens">
          {formatNumber(key.live_tokens)}
          {key.live_tokens > 0 && (
            <button
              type="button"
              className="button button-small button-danger-quiet"
              title="Revoke every OAuth access token of this key; the key keeps working"
              aria-label={`Revoke all OAuth tokens of ${key.name}`}
              onClick={() =>
                act(() => api.revokeTokens(key.id).then(({ revoked_tokens }) => `Revoked ${formatNumber(revoked_tokens)} OAuth tokens of "${key.name}".`))
              }
            >
              Revoke all
            </button>
          )}
        </td>
        <td>
          <RowMenu label={`Actions for ${key.name}`} items={actions(key)} />
        </td>
      </tr>
    );
  }

  function leakedRow(key: DashboardKey) {
    return (
      <tr key={key.id} className="leaked-row">
        <th scope="row" data-label="Name">
          {key.name}
        </th>
        <td data-label="Category">{key.category}</td>
        <td data-label="Mode">
          <span className={`badge badge-${key.mode}`}>{key.mode}</span>
        </td>
        <td data-label="Key">
          <code>
            {key.prefix}...{key.last4}
          </code>
        </td>
        <td colSpan={6}>
          {key.leak && (
            <LeakFlag leak={key.leak}>
              <button type="button" className="button button-small button-secondary" onClick={() => dismissLeak(key)}>
                Dismiss
              </button>
            </LeakFlag>
          )}
        </td>
      </tr>
    );
  }

  const query = search.trim().toLowerCase();
  const shown = newestFirst(data?.keys ?? []).filter(
    (key) => (!query || key.name.toLowerCase().includes(query)) && (!statusFilter || key.status === statusFilter) && (!modeFilter || key.mode === modeFilter),
  );

  return (
    <>
      <div className="page-title">
        <h1 ref={heading} tabIndex={-1}>
          API Keys
        </h1>
        <Link to="/settings/api-keys/logs">View request logs</Link>
      </div>
      <ErrorAlert message={error} />
      {panel?.kind === 'secret' && <SecretReveal name={panel.name} secret={panel.secret} onDone={closePanel} />}
      {data && limit && (
        <>
          <section className="card limit-bar">
            <KeyLimit used={limit.used} maxKeys={limit.max_keys} rotating={rotating} plan={session?.account.plan} />
            {panel === null && (
              <button
                type="button"
                className="button"
                disabled={atLimit}
                aria-describedby={atLimit ? 'key-limit-reached' : undefined}
                onClick={(event) => openPanel({ kind: 'new' }, event.currentTarget)}
              >
                Generate New Key
              </button>
            )}
          </section>
          {atLimit && (
            <p id="key-limit-reached" className="alert alert-warning" role="status">
              {rotating.length > 0
                ? `You can generate a key again once the rotated key's grace period ends, or when you revoke a key you no longer need. `
                : `You have reached your plan's limit of ${limit.max_keys} keys. Revoke or delete a key you no longer need, or `}
              {rotating.length === 0 && (
                <>
                  <Link to="/settings/plan">see your plan</Link>.{' '}
                </>
              )}
              Rotating a key is still possible.
            </p>
          )}
          {panel?.kind === 'new' && <KeyForm prefixes={data.prefixes} categories={data.categories} onSubmit={create} onCancel={closePanel} />}
          {panel?.kind === 'edit' && (
            <KeyForm
              key={panel.key.id}
              editing={panel.key}
              prefixes={data.prefixes}
              categories={data.categories}
              onSubmit={(input) => update(panel.key, input)}
              onCancel={closePanel}
            />
          )}

          <Notice message={notice} />
          <ErrorAlert message={actionError} />

          {data.keys.length === 0 ? (
            panel === null && (
              <section className="card empty">
                <h2>No API keys yet</h2>
                <p>
                  Generate a key to call the REST API, for example <code>GET /api/v1/sites</code>. You will see it once, so have somewhere safe to keep it.
                </p>
              </section>
            )
          ) : (
            <>
              <form className="card filters" role="search" aria-label="Find keys" onSubmit={(event) => event.preventDefault()}>
                <Field label="Search by name">
                  {(control) => <input {...control} type="search" value={search} onChange={(event) => setSearch(event.target.value)} />}
                </Field>
                <Field label="Status">
                  {(control) => (
                    <select {...control} value={statusFilter} onChange={(event) => setStatusFilter(event.target.value as KeyStatus | '')}>
                      <Options items={STATUS_FILTERS} />
                    </select>
                  )}
                </Field>
                <Field label="Mode">
                  {(control) => (
                    <select {...control} value={modeFilter} onChange={(event) => setModeFilter(event.target.value as KeyMode | '')}>
                      <Options items={MODE_FILTERS} />
                    </select>
                  )}
                </Field>
              </form>
              <p className="muted" role="status">
                {shown.length === data.keys.length
                  ? `${data.keys.length} ${data.keys.length === 1 ? 'key' : 'keys'}`
                  : `${shown.length} of ${data.keys.length} keys match`}
              </p>
              {shown.length > 0 && (
                <table className="table keys-table">
                  <TableHead columns={['Name', 'Category', 'Mode', 'Key', 'Created', 'Last used', 'Status', 'Quota use', 'OAuth tokens', '']} />
                  <tbody>{shown.map(row)}</tbody>
                </table>
              )}
            </>
          )}
        </>
      )}
      {dialog && (
        <KeyDialogs
          dialog={dialog}
          returnFocus={opener.current}
          onCancel={() => {
            setDialog(null);
          }}
          onRevoke={(key) => act(() => api.setKeyState(key.id, 'revoke').then(() => `Revoked "${key.name}". Requests with it are refused from now on.`))}
          onDelete={remove}
          onDeactivate={deactivate}
          onRotate={rotate}
        />
      )}
    </>
  );
}
