import { useEffect, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import { api } from '../../api';
import { ErrorAlert, Notice } from '../../components/alert';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { CopyButton } from '../../components/copy-button';
import { formatDate, formatNumber } from '../../components/format';
import { usePageTitle } from '../../page-title';
import { useAction } from '../../use-action';
import { useLoad } from '../../use-load';
import { SiteStatsSection } from './site-stats';

const CHECK_EVERY_MS = 3000;

/** The copy-ready tracking snippet; for a site without events yet, a live check that says when the first one arrives. */
function SnippetCard({ domain, snippet, waiting }: { domain: string; snippet: string; waiting: 'waiting' | 'received' | undefined }) {
  return (
    <section className="card" aria-labelledby="snippet-title">
      <h2 id="snippet-title">Tracking snippet</h2>
      <p>
        Paste this into the <code>&lt;head&gt;</code> of every page of {domain}:
      </p>
      <pre className="snippet" data-testid="snippet">
        <code>{snippet}</code>
      </pre>
      <CopyButton text={snippet} label="Copy snippet" />
      {waiting && (
        <p className={`install-check install-check-${waiting}`} role="status" data-testid="install-check">
          {waiting === 'waiting'
            ? 'Waiting for the first event… Open a page of the site with the snippet: this turns green when its visit arrives.'
            : 'First event received: the snippet works. Visits show up below.'}
        </p>
      )}
    </section>
  );
}

export function SiteDetailPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const added = (useLocation().state as { added?: boolean } | null)?.added === true;
  const { data, error, reload } = useLoad(() => api.site(id), [id]);
  // A site without events this month shows the snippet first and checks for the first event until it comes.
  const [install, setInstall] = useState<'waiting' | 'received'>();
  const noEvents = data?.site.events_this_month === 0;

  useEffect(() => {
    if (noEvents && install === undefined) setInstall('waiting');
    if (!noEvents && install === 'waiting') setInstall('received');
  }, [noEvents, install]);

  useEffect(() => {
    if (install !== 'waiting') return;
    const timer = setInterval(reload, CHECK_EVERY_MS);
    return () => clearInterval(timer);
  }, [install, reload]);
  const [confirming, setConfirming] = useState(false);
  const deletion = useAction();
  usePageTitle(data ? `${data.site.domain} · Sites` : 'Site');

  async function remove() {
    setConfirming(false);
    await deletion.run(async () => {
      await api.deleteSite(id);
      navigate('/sites', { replace: true, state: { notice: `Deleted ${data?.site.domain ?? 'the site'}.` } });
    });
  }

  return (
    <>
      <p className="breadcrumb">
        <Link to="/sites">Sites</Link> /
      </p>
      <h1>{data?.site.domain ?? 'Site'}</h1>
      <ErrorAlert message={error} />
      <ErrorAlert message={deletion.error} />
      {data && (
        <>
          <Notice message={added ? `${data.site.domain} is added. Put the snippet on its pages to start counting visits.` : undefined} />
          <section className="card">
            <dl className="facts">
              <div>
                <dt>Events this month</dt>
                <dd>{formatNumber(data.site.events_this_month)}</dd>
              </div>
              <div>
                <dt>Added</dt>
                <dd>{formatDate(data.site.created_at)}</dd>
              </div>
              <div className="wide">
                <dt>Site key</dt>
                <dd className="copy-row">
                  <code data-testid="site-key">{data.site.key}</code>
                  <CopyButton text={data.site.key} label="Copy key" />
                </dd>
              </div>
            </dl>
            <p className="hint">The site key is public: it only identifies the site to the tracker and grants no API access.</p>
          </section>

          {install && <SnippetCard domain={data.site.domain} snippet={data.snippet} waiting={install} />}
          <SiteStatsSection key={install} siteId={data.site.id} />
          {!install && <SnippetCard domain={data.site.domain} snippet={data.snippet} waiting={undefined} />}

          <section className="card danger-zone">
            <h2>Delete this site</h2>
            <p>Its site key stops working and the site leaves your dashboard.</p>
            <button type="button" className="button button-danger" onClick={() => setConfirming(true)}>
              Delete site
            </button>
          </section>

          {confirming && (
            <ConfirmDialog
              title={`Delete ${data.site.domain}?`}
              confirmLabel="Delete site"
              danger
              busy={deletion.busy}
              onConfirm={remove}
              onCancel={() => setConfirming(false)}
            >
              <p>The tracking snippet on its pages stops counting. This cannot be undone.</p>
            </ConfirmDialog>
          )}
        </>
      )}
    </>
  );
}
