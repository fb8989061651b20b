import { useEffect, useRef } from 'react';
import { useBlocker } from 'react-router-dom';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { CopyButton } from '../../components/copy-button';

/** A first call with the new key, ready to paste into a terminal. */
function curlExample(secret: string): string {
  return `curl ${window.location.origin}/api/v1/sites \\\n  -H "Authorization: Bearer ${secret}"`;
}

/**
 * A newly issued secret: shown this once, with a copy button, the warning that says so and a
 * first call to try. Leaving the page (a link, Back, a reload, closing the tab) while it is
 * shown asks first: the key cannot be shown again.
 */
export function SecretReveal({ name, secret, onDone }: { name: string; secret: string; onDone(): void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const blocker = useBlocker(true);
  useEffect(() => heading.current?.focus(), []);

  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, []);

  const curl = curlExample(secret);
  return (
    <section className="card secret" aria-labelledby="secret-title">
      <h2 id="secret-title" ref={heading} tabIndex={-1}>
        Your new key "{name}"
      </h2>
      <p className="alert alert-warning">
        <strong>Copy this key now. It won't be shown again.</strong> Keygate keeps only a hash of it; if you lose it, rotate the key to get a new one.
      </p>
      <div className="copy-row">
        <code className="secret-value" data-testid="secret">
          {secret}
        </code>
        <CopyButton text={secret} label="Copy key" />
      </div>
      <h3>Try it</h3>
      <pre className="snippet" data-testid="curl">
        <code>{curl}</code>
      </pre>
      <CopyButton text={curl} label="Copy curl command" />
      <div className="actions">
        <button type="button" className="button" onClick={onDone}>
          I have stored it safely
        </button>
      </div>
      {blocker.state === 'blocked' && (
        <ConfirmDialog
          title="Leave without storing the key?"
          confirmLabel="Leave, I don't need it"
          danger
          onConfirm={() => blocker.proceed()}
          onCancel={() => blocker.reset()}
        >
          <p>The key "{name}" is shown only here, this once. If you leave now, it cannot be shown again: you would have to rotate it to get a new one.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
