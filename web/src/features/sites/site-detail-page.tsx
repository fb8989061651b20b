import { useState } from 'react';
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

export function SiteDetailPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const added = (useLocation().state as { added?: boolean } | null)?.added === true;
  const { data, error } = useLoad(() => api.site(id), [id]);
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
          <Notice message={added ? `${data.site.domain} is added. Put the snippet below on its pages to start counting visits.` : undefined} />
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

          <SiteStatsSection siteId={data.site.id} />

          <section className="card">
            <h2>Tracking snippet</h2>
            <p>
              Paste this into the <code>&lt;head&gt;</code> of every page of {data.site.domain}:
            </p>
            <pre className="snippet" data-testid="snippet">
              <code>{data.snippet}</code>
            </pre>
            <CopyButton text={data.snippet} label="Copy snippet" />
          </section>

          <section className="card danger-zone">
            <h2>Delete this site</h2>
            <p>Its site key stops working and the site leaves your dashboard.</p>
            <button type="button" className="button button-danger" onClick={() => setConfirming(true)}>
              Delete site
            </button>
          </section>

          {confirming && (
            <ConfirmDialog title={`Delete ${data.site.domain}?`} confirmLabel="Delete site" danger busy={deletion.busy} onConfirm={remove} onCancel={() => setConfirming(false)}>
              <p>The tracking snippet on its pages stops counting. This cannot be undone.</p>
            </ConfirmDialog>
          )}
        </>
      )}
    </>
  );
}
