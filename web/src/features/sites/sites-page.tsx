import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../../api';
import { ErrorAlert } from '../../components/alert';
import { Field } from '../../components/field';
import { formatDate, formatLimit, formatNumber } from '../../components/format';
import { errorMessage, useLoad } from '../../use-load';
import { parseDomain } from './domain';

export function SitesPage() {
  const navigate = useNavigate();
  const { data, error } = useLoad(() => Promise.all([api.sites(), api.plan()]));
  const [domain, setDomain] = useState('');
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const sites = data?.[0].sites;
  const plan = data?.[1].plan;
  const atLimit = sites !== undefined && plan?.max_sites != null && sites.length >= plan.max_sites;

  async function add(event: FormEvent) {
    event.preventDefault();
    const parsed = parseDomain(domain);
    if ('error' in parsed) {
      setFormError(parsed.error);
      return;
    }
    setBusy(true);
    setFormError(undefined);
    try {
      const { site } = await api.addSite(parsed.domain);
      navigate(`/sites/${site.id}`, { state: { added: true } });
    } catch (failure) {
      setFormError(errorMessage(failure));
      setBusy(false);
    }
  }

  return (
    <>
      <h1>Sites</h1>
      <ErrorAlert message={error} />
      {sites && plan && (
        <>
          <section className="card">
            <h2>Add a site</h2>
            <p className="muted">
              {formatNumber(sites.length)} of {formatLimit(plan.max_sites)} sites used on the {plan.name} plan.
            </p>
            {atLimit ? (
              <p className="alert alert-warning" role="status">
                Your {plan.name} plan allows {plan.max_sites} sites and all are in use. Delete a site you no longer track, or{' '}
                <Link to="/settings/plan">see your plan</Link>.
              </p>
            ) : (
              <form className="inline-form" onSubmit={add} noValidate>
                <Field label="Domain" hint="The host name only, like example.com or shop.example.com.">
                  {(control) => (
                    <input
                      {...control}
                      name="domain"
                      placeholder="example.com"
                      autoComplete="off"
                      spellCheck={false}
                      aria-invalid={formError !== undefined}
                      value={domain}
                      onChange={(event) => setDomain(event.target.value)}
                    />
                  )}
                </Field>
                <button type="submit" className="button" disabled={busy}>
                  Add site
                </button>
              </form>
            )}
            <ErrorAlert message={formError} />
          </section>

          <section className="card">
            <h2>Your sites</h2>
            {sites.length === 0 ? (
              <p className="empty">No sites yet. Add the domain of a website above to get its site key and tracking snippet.</p>
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Domain</th>
                    <th scope="col">Events this month</th>
                    <th scope="col">Added</th>
                  </tr>
                </thead>
                <tbody>
                  {sites.map((site) => (
                    <tr key={site.id}>
                      <td data-label="Domain">
                        <Link to={`/sites/${site.id}`}>{site.domain}</Link>
                      </td>
                      <td data-label="Events this month">{formatNumber(site.events_this_month)}</td>
                      <td data-label="Added">{formatDate(site.created_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
    </>
  );
}
