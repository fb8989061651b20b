import { useEffect, useRef } from 'react';
import { CopyButton } from '../../components/copy-button';

/** A newly issued secret: shown this once, with a copy button and the warning that says so. */
export function SecretReveal({ name, secret, onDone }: { name: string; secret: string; onDone(): void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

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
      <div className="actions">
        <button type="button" className="button" onClick={onDone}>
          I have stored it safely
        </button>
      </div>
    </section>
  );
}
