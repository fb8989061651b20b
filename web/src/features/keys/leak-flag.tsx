import type { ReactNode } from 'react';
import type { KeyLeak } from '../../api';
import { formatDateTime } from '../../components/format';

const REPORTERS: Record<KeyLeak['source'], string> = {
  github: 'GitHub secret scanning',
  gitlab: 'GitLab secret detection',
  report: 'a public report',
};

/** Only http(s) URLs become links: a report's URL is anyone's text. */
function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** The flag on a key revoked because it was found leaked: where, who said so, and when. */
export function LeakFlag({ leak, children }: { leak: KeyLeak; children?: ReactNode }) {
  return (
    <div className="alert alert-error leak-flag" role="alert">
      <p>
        <strong>Revoked because it was found at </strong>
        {leak.url === null ? (
          <strong>an undisclosed location</strong>
        ) : isHttpUrl(leak.url) ? (
          <a className="leak-url" href={leak.url} target="_blank" rel="noopener noreferrer nofollow">
            {leak.url}
          </a>
        ) : (
          <code className="leak-url">{leak.url}</code>
        )}
        <span className="hint">
          {' '}
          (reported by {REPORTERS[leak.source]}, {formatDateTime(leak.reported_at)}). Replace it wherever it was used, and remove it from where it was
          published.
        </span>
      </p>
      {children}
    </div>
  );
}
