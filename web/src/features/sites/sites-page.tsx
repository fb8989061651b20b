import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { ApiError, api } from '../../api';
import { ErrorAlert, Notice } from '../../components/alert';
import { Field } from '../../components/field';
import { formatDate, formatLimit, formatNumber } from '../../components/format';
import { TableHead } from '../../components/table-head';
import { usePageTitle } from '../../page-title';
import { useAction } from '../../use-action';
import { useLoad } from '../../use-load';

/** What is wrong with the domain given, in words for the field; undefined for other refusals (the plan's limit...). */
function domainProblem(failure: unknown): string | undefined {
  if (!(failure instanceof ApiError) || failure.code !== 'VALIDATION_ERROR' || !failure.message.startsWith('domain: ')) return undefined;
  const taken = /^domain: (\S+) is already one of your sites$/.exec(failure.message);
  if (taken) return `${taken[1]} is already one of your sites: each domain is added once.`;
  return 'That is not a domain name. Enter the host name only, such as example.com or blog.example.com.';
}

export function SitesPage() {
  usePageTitle('Sites');
  const navigate = useNavigate();
  const { data, error } = useLoad(() => Promise.all([api.sites(), api.plan()]));
  const notice = (useLocation().state as { notice?: string } | null)?.notice;
  const [domain, setDomain] = useState('');
  const adding = useAction();
  const [domainError, setDomainError] = useState<string>();
  const domainInput = useRef<HTMLInputElement>(null);
  // The keyboard (and a screen reader, which then reads the error tied to it) goes to the field to fix.
  useEffect(() => {
    if (domainError) domainInput.current?.focus();
  }, [domainError]);

  const sites = data?.[0].sites;
  const plan = data?.[1].plan;
  const atLimit = sites !== undefined && plan?.max_sites != null && sites.length >= plan.max_sites;

  async function add(event: FormEvent) {
    event.preventDefault();
    setDomainError(undefined);
    if (domain.trim() === '') {
      setDomainError('Enter the domain of the site, such as example.com.');
      return;
    }
    // The server normalizes what people paste (https://Example.com/pricing → example.com) and says what is wrong.
    await adding.run(async () => {
      try {
        const { site } = await api.addSite(domain);
        navigate(`/sites/${site.id}`, { state: { added: true } });
      } catch (failure) {
        const problem = domainProblem(failure);
        if (!problem) throw failure;
        setDomainError(problem);
      }
    });
  }

  return (
    <>
      <h1>Sites</h1>
      <Notice message={notice} />
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
                <Field label="Domain" hint="The host name, like example.com or shop.example.com; a pasted address works too." error={domainError}>
                  {(control) => (
                    <input
                      {...control}
                      ref={domainInput}
                      name="domain"
                      placeholder="example.com"
                      autoComplete="off"
                      spellCheck={false}
                      value={domain}
                      onChange={(event) => setDomain(event.target.value)}
                    />
                  )}
                </Field>
                <button type="submit" className="button" disabled={adding.busy}>
                  Add site
                </button>
              </form>
            )}
            <ErrorAlert message={adding.error} />
          </section>

          <section className="card">
            <h2>Your sites</h2>
            {sites.length === 0 ? (
              <p className="empty">No sites yet. Add the domain of a website above to get its site key and tracking snippet.</p>
            ) : (
              <table className="table">
                <TableHead columns={['Domain', 'Events this month', 'Added']} />
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
