import { type FormEvent, useState } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router-dom';
import { ApiError, api } from '../../api';
import { ErrorAlert, Notice } from '../../components/alert';
import { Field } from '../../components/field';
import { usePageTitle } from '../../page-title';
import { useSession } from '../../session';
import { useAction } from '../../use-action';
import { errorMessage } from '../../use-load';

const MIN_PASSWORD = 10;

type FieldName = 'email' | 'password';
const FIELD_LABELS: Record<FieldName, string> = { email: 'Email', password: 'Password' };

/** The field a VALIDATION_ERROR names (`password: is too easy to guess…`) and the reason in a sentence, to show under it. */
function fieldRefusal(failure: unknown): { field: FieldName; message: string } | undefined {
  if (!(failure instanceof ApiError) || failure.code !== 'VALIDATION_ERROR') return undefined;
  const match = /^(email|password): (.*)$/s.exec(failure.message);
  if (!match) return undefined;
  const field = match[1] as FieldName;
  return { field, message: `${FIELD_LABELS[field]} ${match[2]}` };
}

/** What the server's refusals mean to someone at the sign-in or sign-up form. */
function explain(failure: unknown): string {
  if (!(failure instanceof ApiError)) return errorMessage(failure);
  switch (failure.code) {
    case 'INVALID_CREDENTIALS':
      // On sign-up this means the email has an account whose password is another: the server does not say which.
      return 'Email or password is incorrect. If you already have an account with this email, sign in with its password.';
    case 'IP_BLOCKED':
      return 'Too many failed attempts from your network. Wait 15 minutes, then try again.';
    default:
      return failure.message;
  }
}

interface LocationState {
  from?: string;
  notice?: string;
}

export function AuthPage({ mode }: { mode: 'signin' | 'signup' }) {
  const { session, signedIn } = useSession();
  const navigate = useNavigate();
  const state = (useLocation().state ?? {}) as LocationState;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [fieldError, setFieldError] = useState<{ field: FieldName; message: string }>();
  const { busy, error, setError, run } = useAction(explain);
  const signUp = mode === 'signup';
  usePageTitle(signUp ? 'Create your account' : 'Sign in');

  if (session) return <Navigate to={state.from ?? '/'} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) {
      setError('Enter your email address, such as you@example.com.');
      return;
    }
    if (password === '') {
      setError('Enter your password.');
      return;
    }
    if (signUp && password.length < MIN_PASSWORD) {
      setError(`Choose a password of at least ${MIN_PASSWORD} characters.`);
      return;
    }
    setFieldError(undefined);
    await run(async () => {
      try {
        const next = signUp ? await api.signUp(email.trim(), password) : await api.signIn(email.trim(), password);
        signedIn(next);
        navigate(state.from ?? '/', { replace: true });
      } catch (failure) {
        // A refusal of one field is said under that field; anything else in the alert above the form.
        const refusal = fieldRefusal(failure);
        if (!refusal) throw failure;
        setFieldError(refusal);
      }
    });
  }

  return (
    <main className="auth" id="main">
      <form className="card auth-card" onSubmit={submit} noValidate>
        <p className="brand">Keygate</p>
        <h1>{signUp ? 'Create your account' : 'Sign in'}</h1>
        <Notice message={state.notice} />
        <ErrorAlert message={error} />
        <Field label="Email" error={fieldError?.field === 'email' ? fieldError.message : undefined}>
          {(control) => (
            <input
              {...control}
              type="email"
              name="email"
              autoComplete="email"
              value={email}
              onChange={(event) => {
                setEmail(event.target.value);
                if (fieldError?.field === 'email') setFieldError(undefined);
              }}
            />
          )}
        </Field>
        <Field
          label="Password"
          error={fieldError?.field === 'password' ? fieldError.message : undefined}
          hint={signUp ? `At least ${MIN_PASSWORD} characters, hard to guess: a few unrelated words make a strong one.` : undefined}
        >
          {(control) => (
            <input
              {...control}
              type="password"
              name="password"
              autoComplete={signUp ? 'new-password' : 'current-password'}
              value={password}
              onChange={(event) => {
                setPassword(event.target.value);
                if (fieldError?.field === 'password') setFieldError(undefined);
              }}
            />
          )}
        </Field>
        <button type="submit" className="button button-wide" disabled={busy}>
          {busy ? 'Please wait…' : signUp ? 'Create account' : 'Sign in'}
        </button>
        <p className="switch">
          {signUp ? (
            <>
              Already have an account? <Link to="/signin">Sign in</Link>
            </>
          ) : (
            <>
              New to Keygate? <Link to="/signup">Create an account</Link>
            </>
          )}
        </p>
      </form>
    </main>
  );
}
