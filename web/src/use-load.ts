import { useCallback, useEffect, useState } from 'react';
import { ApiError } from './api';
import { useSession } from './session';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  reload(): void;
}

/**
 * Runs `load` on mount and whenever `deps` change; a NOT_SIGNED_IN answer signs the user out
 * (RequireSession then sends them to the sign-in page). Answers to stale requests are dropped.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[] = []): Loaded<T> {
  const { expired } = useSession();
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [generation, setGeneration] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `load` is a fresh closure on every render; the caller's deps say when it changes (its own call is checked: biome.jsonc).
  useEffect(() => {
    let current = true;
    load().then(
      (value) => {
        if (!current) return;
        setData(value);
        setError(undefined);
      },
      (failure: unknown) => {
        if (!current) return;
        if (failure instanceof ApiError && failure.code === 'NOT_SIGNED_IN') expired();
        setError(errorMessage(failure));
      },
    );
    return () => {
      current = false;
    };
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { data, error, reload };
}

export function errorMessage(failure: unknown): string {
  return failure instanceof Error ? failure.message : 'Something went wrong. Try again.';
}
