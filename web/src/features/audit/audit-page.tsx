import { useEffect, useState } from 'react';
import { type AuditEntry, api } from '../../api';
import { ErrorAlert } from '../../components/alert';
import { formatDateTime } from '../../components/format';
import { usePageTitle } from '../../page-title';
import { useLoad } from '../../use-load';

const ACTIONS: Record<string, string> = {
  'key.created': 'created key',
  'key.updated': 'changed key',
  'key.deactivated': 'deactivated key',
  'key.reactivated': 'reactivated key',
  'key.revoked': 'revoked key',
  'key.rotated': 'rotated key',
  'key.deleted': 'deleted key',
  'key.leak_dismissed': 'dismissed the leak warning of key',
  'key.tokens_revoked': 'revoked the OAuth tokens of key',
  'site.created': 'added site',
  'site.deleted': 'deleted site',
  'user.signed_in': 'signed in',
  'webhook.created': 'added webhook',
  'webhook.updated': 'changed webhook',
  'webhook.secret_rolled': 'rolled the secret of webhook',
  'webhook.deleted': 'deleted webhook',
  'user.password_changed': 'changed their password',
  'user.signed_out_elsewhere': 'signed out of their other sessions',
};

const FIELD_LABELS: Record<string, string> = { name: 'name', category: 'category', expires_at: 'expiry', quotas: 'quotas', restrictions: 'restrictions' };

/** What an edit changed, as the server recorded it: ": expiry, quotas". */
function changedFields(entry: AuditEntry): string {
  const fields = (entry.details as { fields?: unknown } | null)?.fields;
  return Array.isArray(fields) && fields.length > 0 ? `: ${fields.map((field) => FIELD_LABELS[String(field)] ?? String(field)).join(', ')}` : '';
}

/** Who did it: the user, else what `details.via` names (the admin CLI, an API key revoking through the REST API, or a leak report). */
function actor(entry: AuditEntry): string {
  if (entry.user) return entry.user.email;
  const via = (entry.details as { via?: string } | null)?.via;
  if (via === 'leak_report') return 'A leak report';
  return via === 'api' ? 'An API key' : 'An operator (admin CLI)';
}

export function AuditPage() {
  usePageTitle('Audit log');
  const [cursor, setCursor] = useState<string>();
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  // Each page remembers the cursor it was read from: the first page replaces what is listed,
  // "Show older" appends the next one.
  const page = useLoad(async () => ({ after: cursor, ...(await api.audit(cursor)) }), [cursor]);
  useEffect(() => {
    const loaded = page.data;
    if (loaded) setEntries((shown) => (loaded.after === undefined ? loaded.entries : [...shown, ...loaded.entries]));
  }, [page.data]);

  return (
    <>
      <h1>Audit log</h1>
      <p className="muted">Who created, changed, rotated, revoked or deleted keys and sites, newest first.</p>
      <ErrorAlert message={page.error} />
      {page.data && (
        <section className="card">
          {entries.length === 0 ? (
            <p className="empty">Nothing has happened yet. Adding a site or generating a key is recorded here.</p>
          ) : (
            <ol className="audit">
              {entries.map((entry) => (
                <li key={entry.id}>
                  <time dateTime={entry.time}>{formatDateTime(entry.time)}</time>
                  <span>
                    <strong>{actor(entry)}</strong> {ACTIONS[entry.action] ?? entry.action}
                    {entry.target_type !== 'user' && entry.target_name && (
                      <>
                        {' '}
                        <q>{entry.target_name}</q>
                      </>
                    )}
                    {entry.action === 'key.updated' && changedFields(entry)}
                  </span>
                </li>
              ))}
            </ol>
          )}
          {page.data.next_cursor && (
            <button type="button" className="button button-secondary" onClick={() => setCursor(page.data!.next_cursor ?? undefined)}>
              Show older
            </button>
          )}
        </section>
      )}
    </>
  );
}
