import { api } from '../../api';
import { ErrorAlert } from '../../components/alert';
import { formatLimit, formatNumber } from '../../components/format';
import { usePageTitle } from '../../page-title';
import { useLoad } from '../../use-load';

function Usage({ label, used, max }: { label: string; used: number; max: number | null }) {
  return (
    <div className="usage">
      <div className="usage-text">
        <span>{label}</span>
        <strong>
          {formatNumber(used)} of {formatLimit(max)}
        </strong>
      </div>
      {max !== null && <progress value={Math.min(used, max)} max={max} aria-label={`${label}: ${used} of ${max}`} />}
    </div>
  );
}

function rate(value: number | null, unit: string): string {
  return value === null ? 'Unlimited' : `${formatNumber(value)} requests / ${unit}`;
}

export function PlanPage() {
  usePageTitle('Plan');
  const { data, error } = useLoad(api.plan);
  return (
    <>
      <h1>Plan</h1>
      <ErrorAlert message={error} />
      {data && (
        <>
          <section className="card">
            <h2>
              Your plan: <span className="plan-name">{data.plan.name}</span>
            </h2>
            <Usage label="API keys" used={data.usage.keys} max={data.plan.max_keys} />
            <Usage label="Sites" used={data.usage.sites} max={data.plan.max_sites} />
          </section>
          <section className="card">
            <h2>Limits</h2>
            <dl className="facts">
              <div>
                <dt>Per key</dt>
                <dd>{rate(data.plan.per_key_per_minute, 'rolling minute')}</dd>
              </div>
              <div>
                <dt>Whole account, per second</dt>
                <dd>{rate(data.plan.account_per_second, 'second')}</dd>
              </div>
              <div>
                <dt>Whole account, per minute</dt>
                <dd>{rate(data.plan.account_per_minute, 'rolling minute')}</dd>
              </div>
              <div>
                <dt>Log retention</dt>
                <dd>{data.plan.log_retention_days === null ? 'Kept forever' : `${data.plan.log_retention_days} days`}</dd>
              </div>
            </dl>
            <p className="hint">Revoked and deleted keys do not count toward the key limit; deactivated and expired ones do. Your operator changes plans.</p>
          </section>
        </>
      )}
    </>
  );
}
