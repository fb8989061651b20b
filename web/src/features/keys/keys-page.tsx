import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api, ApiError, QUOTA_PERIODS, type DashboardKey, type KeyInput } from '../../api';
import { ErrorAlert, Notice } from '../../components/alert';
import { formatDateTime, formatLimit, formatNumber } from '../../components/format';
import { TableHead } from '../../components/table-head';
import { useSession } from '../../session';
import { errorMessage, useLoad } from '../../use-load';
import { KeyDialogs, type KeyDialog } from './key-dialogs';
import { KeyForm } from './key-form';
import { LeakFlag } from './leak-flag';
import { SecretReveal } from './secret-reveal';

type Panel = { kind: 'new' } | { kind: 'edit'; key: DashboardKey } | { kind: 'secret'; name: string; secret: string };

const STATUS_LABELS: Record<DashboardKey['status'], string> = {
  active: 'Active',
  inactive: 'Deactivated',
  expired: 'Expired',
  revoked: 'Revoked',
  rotating: 'Rotating',
};

function newestFirst(keys: DashboardKey[]): DashboardKey[] {
  return [...keys].sort((a, b) => b.created_at.localeCompare(a.created_at) || a.name.localeCompare(b.name));
}

function QuotaUse({ apiKey }: { apiKey: DashboardKey }) {
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

export function KeysPage() {
  const { session } = useSession();
  const { data, error, reload } = useLoad(() => api.keys());
  const [panel, setPanel] = useState<Panel | null>(null);
  const [dialog, setDialog] = useState<KeyDialog | null>(null);
  const [notice, setNotice] = useState<string>();
  const [actionError, setActionError] = useState<string>();

  const limit = data?.limit;
  const atLimit = limit !== undefined && limit.max_keys !== null && limit.used >= limit.max_keys;

  /**
   * Runs a key action, then shows its outcome and the refreshed list. A refusal is shown as an
   * error, unless `explain` turns it into a dialog.
   */
  async function act(action: () => Promise<string>, explain?: (failure: unknown) => KeyDialog | undefined) {
    setActionError(undefined);
    setNotice(undefined);
    let next: KeyDialog | null = null;
    try {
      setNotice(await action());
    } catch (failure) {
      next = explain?.(failure) ?? null;
      if (!next) setActionError(errorMessage(failure));
    }
    setDialog(next);
    reload();
  }

  async function create(input: KeyInput) {
    const { key, secret } = await api.createKey(input);
    setPanel({ kind: 'secret', name: key.name, secret });
    reload();
  }

  async function update(key: DashboardKey, input: KeyInput) {
    const { mode: _mode, ...changes } = input;
    await api.updateKey(key.id, changes);
    setPanel(null);
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

  function row(key: DashboardKey) {
    const open = (kind: Exclude<KeyDialog['kind'], 'used'>) => setDialog({ kind, key });
    // Only a key revoked as leaked is listed revoked: flagged, with nothing left to do but dismiss.
    if (key.status === 'revoked') return leakedRow(key);
    return (
      <tr key={key.id}>
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
              onClick={() => act(() => api.revokeTokens(key.id).then(({ revoked_tokens }) => `Revoked ${formatNumber(revoked_tokens)} OAuth tokens of "${key.name}".`))}
            >
              Revoke all
            </button>
          )}
        </td>
        <td>
          <div className="row-actions">
            {key.status !== 'rotating' && (
              <>
                <button type="button" className="button button-small button-secondary" onClick={() => setPanel({ kind: 'edit', key })}>
                  Edit
                </button>
                {key.active ? (
                  <button type="button" className="button button-small button-secondary" onClick={() => deactivate(key)}>
                    Deactivate
                  </button>
                ) : (
                  <button type="button" className="button button-small button-secondary" onClick={() => act(() => api.setKeyState(key.id, 'reactivate').then(() => `Reactivated "${key.name}".`))}>
                    Reactivate
                  </button>
                )}
                <button type="button" className="button button-small button-secondary" onClick={() => open('rotate')}>
                  Rotate
                </button>
              </>
            )}
            <button type="button" className="button button-small button-danger" onClick={() => open('revoke')}>
              Revoke
            </button>
            {key.status !== 'rotating' && (
              <button
                type="button"
                className="button button-small button-danger-quiet"
                onClick={() => (key.used ? setDialog({ kind: 'used', key }) : open('delete'))}
              >
                Delete
              </button>
            )}
          </div>
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
        <td colSpan={5}>
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

  return (
    <>
      <div className="page-title">
        <h1>API Keys</h1>
        <Link to="/settings/api-keys/logs">View request logs</Link>
      </div>
      <ErrorAlert message={error} />
      {panel?.kind === 'secret' && <SecretReveal name={panel.name} secret={panel.secret} onDone={() => setPanel(null)} />}
      {data && limit && (
        <>
          <section className="card limit-bar">
            <p>
              <strong>
                {formatNumber(limit.used)} of {formatLimit(limit.max_keys)}
              </strong>{' '}
              keys used on the {session?.account.plan} plan. Revoked and deleted keys do not count.
            </p>
            {panel === null && (
              <button type="button" className="button" disabled={atLimit} aria-describedby={atLimit ? 'key-limit-reached' : undefined} onClick={() => setPanel({ kind: 'new' })}>
                Generate New Key
              </button>
            )}
          </section>
          {atLimit && (
            <p id="key-limit-reached" className="alert alert-warning" role="status">
              You have reached your plan's limit of {limit.max_keys} keys. Revoke or delete a key you no longer need, or{' '}
              <Link to="/settings/plan">see your plan</Link>. Rotating a key is still possible.
            </p>
          )}
          {panel?.kind === 'new' && <KeyForm prefixes={data.prefixes} onSubmit={create} onCancel={() => setPanel(null)} />}
          {panel?.kind === 'edit' && <KeyForm key={panel.key.id} editing={panel.key} prefixes={data.prefixes} onSubmit={(input) => update(panel.key, input)} onCancel={() => setPanel(null)} />}

          <Notice message={notice} />
          <ErrorAlert message={actionError} />

          {data.keys.length === 0 ? (
            panel === null && (
              <section className="card empty">
                <h2>No API keys yet</h2>
                <p>Generate a key to call the REST API, for example <code>GET /api/v1/sites</code>. You will see it once, so have somewhere safe to keep it.</p>
              </section>
            )
          ) : (
            <table className="table keys-table">
              <TableHead columns={['Name', 'Category', 'Mode', 'Key', 'Created', 'Last used', 'Status', 'Quota use', 'OAuth tokens', '']} />
              <tbody>{newestFirst(data.keys).map(row)}</tbody>
            </table>
          )}
        </>
      )}
      {dialog && (
        <KeyDialogs
          dialog={dialog}
          onCancel={() => setDialog(null)}
          onRevoke={(key) => act(() => api.setKeyState(key.id, 'revoke').then(() => `Revoked "${key.name}". Requests with it are refused from now on.`))}
          onDelete={remove}
          onDeactivate={deactivate}
          onRotate={rotate}
        />
      )}
    </>
  );
}
