import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api, type Webhook, type WebhookAttempt } from '../../api';
import { ErrorAlert, Notice } from '../../components/alert';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { CopyButton } from '../../components/copy-button';
import { Field } from '../../components/field';
import { formatDateTime, formatNumber } from '../../components/format';
import { TableHead } from '../../components/table-head';
import { useAction } from '../../use-action';
import { useLoad } from '../../use-load';

/** A signing secret just issued (new endpoint or rolled secret): shown this once. */
function WebhookSecret({ url, secret, onDone }: { url: string; secret: string; onDone(): void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="card secret" aria-labelledby="webhook-secret-title">
      <h2 id="webhook-secret-title" ref={heading} tabIndex={-1}>
        Signing secret for {url}
      </h2>
      <p className="alert alert-warning">
        <strong>Copy this secret now. It won't be shown again.</strong> Your receiver checks each delivery's Keygate-Signature header with it; if you lose it,
        roll a new one.
      </p>
      <div className="copy-row">
        <code className="secret-value" data-testid="webhook-secret">
          {secret}
        </code>
        <CopyButton text={secret} label="Copy secret" />
      </div>
      <div className="actions">
        <button type="button" className="button" onClick={onDone}>
          I have stored it safely
        </button>
      </div>
    </section>
  );
}

function AddWebhook({ eventTypes, onAdded }: { eventTypes: string[]; onAdded(webhook: Webhook, secret: string): void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [all, setAll] = useState(true);
  const [chosen, setChosen] = useState<string[]>([]);
  const adding = useAction();

  async function add(event: FormEvent) {
    event.preventDefault();
    if (!all && chosen.length === 0) {
      adding.setError('Choose at least one event, or all events.');
      return;
    }
    await adding.run(async () => {
      const { webhook, secret } = await api.createWebhook({ url, description, events: all ? [] : chosen });
      setUrl('');
      setDescription('');
      onAdded(webhook, secret);
    });
  }

  return (
    <form onSubmit={add} noValidate>
      <Field label="Endpoint URL" hint="An https:// (or http://) URL on the public internet that accepts POST requests.">
        {(control) => (
          <input
            {...control}
            name="url"
            type="url"
            placeholder="https://example.com/keygate-events"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
          />
        )}
      </Field>
      <Field label="Description" hint="Optional: what this endpoint is for.">
        {(control) => <input {...control} name="description" maxLength={200} value={description} onChange={(event) => setDescription(event.target.value)} />}
      </Field>
      <fieldset className="field">
        <legend>Events</legend>
        <label className="checkbox">
          <input type="checkbox" checked={all} onChange={(event) => setAll(event.target.checked)} /> All events
        </label>
        {!all &&
          eventTypes.map((type) => (
            <label key={type} className="checkbox">
              <input
                type="checkbox"
                checked={chosen.includes(type)}
                onChange={(event) => setChosen((current) => (event.target.checked ? [...current, type] : current.filter((other) => other !== type)))}
              />{' '}
              <code>{type}</code>
            </label>
          ))}
      </fieldset>
      <ErrorAlert message={adding.error} />
      <div className="actions">
        <button type="submit" className="button" disabled={adding.busy}>
          Add endpoint
        </button>
      </div>
    </form>
  );
}

/** The endpoint's attempts, newest first, with redelivery. */
function DeliveryLog({ webhook }: { webhook: Webhook }) {
  const log = useLoad(() => api.webhookDeliveries(webhook.id), [webhook.id]);
  const redelivering = useAction();
  const [notice, setNotice] = useState<string>();

  async function redeliver(attempt: WebhookAttempt) {
    await redelivering.run(async () => {
      await api.redeliver(webhook.id, attempt.delivery_id);
      setNotice(`Event ${attempt.event_id} queued again`);
      log.reload();
    });
  }

  return (
    <div className="delivery-log">
      <div className="actions">
        <h3>Deliveries</h3>
        <button type="button" className="button button-secondary button-small" onClick={log.reload}>
          Refresh
        </button>
      </div>
      <Notice message={notice} />
      <ErrorAlert message={log.error ?? redelivering.error} />
      {log.data &&
        (log.data.deliveries.length === 0 ? (
          <p className="empty">No deliveries yet. Send a test event to try the endpoint.</p>
        ) : (
          <table className="table">
            <TableHead columns={['Time', 'Event', 'Attempt', 'Status', 'Duration', 'Error', '']} />
            <tbody>
              {log.data.deliveries.map((attempt) => (
                <tr key={`${attempt.delivery_id}-${attempt.attempt}`}>
                  <td data-label="Time">
                    <time dateTime={attempt.time}>{formatDateTime(attempt.time)}</time>
                  </td>
                  <td data-label="Event">
                    <code>{attempt.type}</code> <small className="muted">{attempt.event_id}</small>
                  </td>
                  <td data-label="Attempt">{attempt.attempt}</td>
                  <td data-label="Status">
                    <span className={`badge badge-${attempt.state === 'delivered' ? 'active' : attempt.state === 'failed' ? 'revoked' : 'inactive'}`}>
                      {attempt.status ?? 'no answer'}
                    </span>{' '}
                    {attempt.state}
                  </td>
                  <td data-label="Duration">{formatNumber(attempt.duration_ms)} ms</td>
                  <td data-label="Error">{attempt.error ?? '—'}</td>
                  <td className="row-actions">
                    <button type="button" className="button button-secondary button-small" disabled={redelivering.busy} onClick={() => redeliver(attempt)}>
                      Redeliver
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </div>
  );
}

type Pending = { kind: 'delete' | 'roll'; webhook: Webhook };

/** Settings > Webhooks (SPEC §10). */
export function WebhooksPage() {
  const list = useLoad(() => api.webhooks());
  const [issued, setIssued] = useState<{ url: string; secret: string }>();
  const [pending, setPending] = useState<Pending>();
  const [open, setOpen] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const acting = useAction();

  const act = (action: () => Promise<string | undefined>) =>
    acting.run(async () => {
      const message = await action();
      if (message) setNotice(message);
      list.reload();
    });

  async function confirm() {
    if (!pending) return;
    const { kind, webhook } = pending;
    await act(async () => {
      if (kind === 'delete') {
        await api.deleteWebhook(webhook.id);
        return 'Endpoint deleted';
      }
      const { secret } = await api.rollWebhookSecret(webhook.id);
      setIssued({ url: webhook.url, secret });
    });
    setPending(undefined);
  }

  const data = list.data;
  return (
    <>
      <h1>Webhooks</h1>
      <p className="muted">Keygate POSTs a signed JSON event to these endpoints when keys and sites change, a key nears expiry or a quota fills up.</p>
      <Notice message={notice} />
      <ErrorAlert message={list.error ?? acting.error} />
      {issued && <WebhookSecret url={issued.url} secret={issued.secret} onDone={() => setIssued(undefined)} />}
      {data && (
        <>
          <section className="card">
            <h2>Add an endpoint</h2>
            <p className="muted">
              {formatNumber(data.limit.used)} of {formatNumber(data.limit.max)} endpoints used.
            </p>
            {data.limit.used >= data.limit.max ? (
              <p className="alert alert-warning" role="status">
                All {data.limit.max} endpoints are in use. Delete one to add another.
              </p>
            ) : (
              <AddWebhook
                eventTypes={data.event_types}
                onAdded={(webhook, secret) => {
                  setIssued({ url: webhook.url, secret });
                  list.reload();
                }}
              />
            )}
          </section>
          <section className="card">
            <h2>Endpoints</h2>
            {data.webhooks.length === 0 ? (
              <p className="empty">No endpoints yet.</p>
            ) : (
              <ul className="webhook-list">
                {data.webhooks.map((webhook) => (
                  <li key={webhook.id} className="webhook">
                    <div className="webhook-head">
                      <code className="webhook-url">{webhook.url}</code>{' '}
                      <span className={`badge badge-${webhook.enabled ? 'active' : 'inactive'}`}>{webhook.enabled ? 'Enabled' : 'Disabled'}</span>
                    </div>
                    {webhook.disabled_reason === 'failing' && (
                      <p className="alert alert-warning">
                        Disabled by Keygate: every delivery failed for 3 days. Fix the receiver, then enable the endpoint again.
                      </p>
                    )}
                    {webhook.description && <p>{webhook.description}</p>}
                    <p className="muted">
                      Events: {webhook.events.includes('*') ? 'all' : webhook.events.join(', ')} · added {formatDateTime(webhook.created_at)}
                    </p>
                    <div className="actions">
                      <button
                        type="button"
                        className="button button-secondary button-small"
                        disabled={acting.busy || !webhook.enabled}
                        onClick={() =>
                          act(async () => {
                            const { event_id } = await api.testWebhook(webhook.id);
                            setOpen(webhook.id);
                            return `Test event ${event_id} sent`;
                          })
                        }
                      >
                        Send test event
                      </button>
                      <button
                        type="button"
                        className="button button-secondary button-small"
                        disabled={acting.busy}
                        onClick={() =>
                          act(async () => {
                            await api.setWebhookEnabled(webhook.id, !webhook.enabled);
                            return webhook.enabled ? 'Endpoint disabled' : 'Endpoint enabled';
                          })
                        }
                      >
                        {webhook.enabled ? 'Disable' : 'Enable'}
                      </button>
                      <button type="button" className="button button-secondary button-small" onClick={() => setPending({ kind: 'roll', webhook })}>
                        Roll secret
                      </button>
                      <button
                        type="button"
                        className="button button-secondary button-small"
                        onClick={() => setOpen(open === webhook.id ? undefined : webhook.id)}
                      >
                        {open === webhook.id ? 'Hide deliveries' : 'Deliveries'}
                      </button>
                      <button type="button" className="button button-danger button-small" onClick={() => setPending({ kind: 'delete', webhook })}>
                        Delete
                      </button>
                    </div>
                    {open === webhook.id && <DeliveryLog webhook={webhook} />}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
      {pending && (
        <ConfirmDialog
          title={pending.kind === 'delete' ? 'Delete this endpoint?' : 'Roll the signing secret?'}
          confirmLabel={pending.kind === 'delete' ? 'Delete endpoint' : 'Roll secret'}
          danger
          busy={acting.busy}
          onConfirm={confirm}
          onCancel={() => setPending(undefined)}
        >
          <p>
            {pending.kind === 'delete'
              ? `${pending.webhook.url} will receive no more events, and its delivery log is deleted.`
              : `Deliveries to ${pending.webhook.url} are signed with the new secret from now on; the old one stops working at once.`}
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
