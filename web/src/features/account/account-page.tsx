import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ApiError, api } from '../../api';
import { ErrorAlert, Notice } from '../../components/alert';
import { Field } from '../../components/field';
import { formatDateTime } from '../../components/format';
import { TableHead } from '../../components/table-head';
import { usePageTitle } from '../../page-title';
import { useSession } from '../../session';
import { useAction } from '../../use-action';
import { useLoad } from '../../use-load';

const MIN_PASSWORD = 10;

type PasswordErrors = Partial<Record<'current_password' | 'new_password', string>>;

function sessionsEnded(count: number): string {
  return count === 0 ? 'No other session was signed in.' : `${count} other ${count === 1 ? 'session was' : 'sessions were'} signed out.`;
}

/** Change the password; sessions elsewhere end with it. */
function PasswordForm({ onChanged }: { onChanged(message: string): void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [errors, setErrors] = useState<PasswordErrors>({});
  const form = useRef<HTMLFormElement>(null);
  const { busy, error, run } = useAction();

  useEffect(() => {
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found: PasswordErrors = {};
    if (current === '') found.current_password = 'Enter your current password.';
    if (next.length < MIN_PASSWORD) found.new_password = `Choose a password of at least ${MIN_PASSWORD} characters.`;
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    await run(async () => {
      try {
        const { sessions_ended: ended } = await api.changePassword(current, next);
        setCurrent('');
        setNext('');
        onChanged(`Your password is changed. ${sessionsEnded(ended)}`);
      } catch (failure) {
        const field =
          failure instanceof ApiError && failure.code === 'VALIDATION_ERROR' ? /^(current_password|new_password): (.*)$/.exec(failure.message) : null;
        if (!field) throw failure;
        setErrors({
          [field[1]!]: field[1] === 'current_password' ? 'This is not your current password.' : `${field[2]!.charAt(0).toUpperCase()}${field[2]!.slice(1)}.`,
        });
      }
    });
  }

  return (
    <form ref={form} className="card" onSubmit={submit} aria-labelledby="password-title" noValidate>
      <h2 id="password-title">Change password</h2>
      <Field label="Current password" error={errors.current_password}>
        {(control) => (
          <input
            {...control}
            type="password"
            name="current_password"
            autoComplete="current-password"
            value={current}
            onChange={(event) => setCurrent(event.target.value)}
          />
        )}
      </Field>
      <Field label="New password" hint={`At least ${MIN_PASSWORD} characters. Your other sessions are signed out when it changes.`} error={errors.new_password}>
        {(control) => (
          <input {...control} type="password" name="new_password" autoComplete="new-password" value={next} onChange={(event) => setNext(event.target.value)} />
        )}
      </Field>
      <ErrorAlert message={error} />
      <button type="submit" className="button" disabled={busy}>
        Change password
      </button>
    </form>
  );
}

/** Who is signed in, the password, and the signed-in sessions with "sign out everywhere else". */
export function AccountPage() {
  usePageTitle('Account');
  const { session } = useSession();
  const sessions = useLoad(() => api.sessions());
  const [notice, setNotice] = useState<string>();
  const ending = useAction();

  function changed(message: string) {
    setNotice(message);
    sessions.reload();
  }

  async function endOthers() {
    setNotice(undefined);
    await ending.run(async () => changed(`Signed out everywhere else. ${sessionsEnded((await api.endOtherSessions()).ended)}`));
  }

  const others = sessions.data?.sessions.filter((one) => !one.current).length ?? 0;
  return (
    <>
      <h1>Account</h1>
      <p className="muted">
        Signed in as <strong>{session?.user.email}</strong>, on the {session?.account.plan} plan.
      </p>
      <Notice message={notice} />
      <PasswordForm onChanged={changed} />
      <section className="card" aria-labelledby="sessions-title">
        <h2 id="sessions-title">Signed-in sessions</h2>
        <p className="muted">Each browser you signed in with, until it signs out or its 30 days end. Times are UTC.</p>
        <ErrorAlert message={sessions.error ?? ending.error} />
        {sessions.data && (
          <table className="table">
            <TableHead columns={['Session', 'Signed in', 'Last active', 'Ends']} />
            <tbody>
              {sessions.data.sessions.map((one, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: sessions have no public id; the list is small and re-read whole.
                <tr key={index}>
                  <td data-label="Session">{one.current ? <strong>This browser</strong> : 'Another browser'}</td>
                  <td data-label="Signed in">{formatDateTime(one.created_at)}</td>
                  <td data-label="Last active">{formatDateTime(one.last_seen_at)}</td>
                  <td data-label="Ends">{formatDateTime(one.expires_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div className="actions">
          <button type="button" className="button button-danger" disabled={ending.busy || others === 0} onClick={endOthers}>
            Sign out everywhere else
          </button>
        </div>
      </section>
    </>
  );
}
