import { useState } from 'react';
import { errorMessage } from './use-load';

/**
 * State of a form's or a button's action: `busy` while it runs (to disable the button), and
 * the message of its failure, put into words by `explain`.
 */
export function useAction(explain: (failure: unknown) => string = errorMessage) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (failure) {
      setError(explain(failure));
    } finally {
      setBusy(false);
    }
  }

  return { busy, error, setError, run };
}
