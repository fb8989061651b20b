import { hashPassword, verifyPassword } from '../lib/password.js';
import { passwordWeakness } from '../lib/password-strength.js';
import { type Priority, QueueFullError } from '../lib/task-queue.js';
import { textProblem } from '../lib/text.js';
import { invalid, KeygateError } from './errors.js';

export const MIN_PASSWORD_LENGTH = 10;
const MAX_PASSWORD_LENGTH = 1024;
/** Control characters (NUL, tabs, newlines, DEL, C1) are typed by no one: they come from scripts and encoding errors. */
const CONTROL_CHARS = /\p{Cc}/u;

/** The cheap rules of a new password; VALIDATION_ERROR `<field>: …` says which one it breaks. */
export function checkPasswordForm(password: string, field = 'password'): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw invalid(field, `must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) throw invalid(field, `must be at most ${MAX_PASSWORD_LENGTH} characters`);
  if (CONTROL_CHARS.test(password)) throw invalid(field, 'must not contain control characters such as NUL, tab or newline');
  const problem = textProblem(password);
  if (problem) throw invalid(field, problem);
}

/** The strength estimate of a new password (the costlier check): VALIDATION_ERROR saying why it is guessable. */
export function checkPasswordStrength(password: string, email: string, field = 'password'): void {
  const weakness = passwordWeakness(password, [email, email.split('@')[0]!, 'keygate']);
  if (weakness) throw invalid(field, weakness);
}

/** Password work waits in the process's bounded queue; a full queue is answered as a rate limit. */
async function queued<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof QueueFullError) throw new KeygateError('RATE_LIMITED', 'Too many sign-ups and sign-ins at the moment; try again in a few seconds');
    throw error;
  }
}

export function newPasswordHash(password: string, priority: Priority = 'low'): Promise<string> {
  return queued(hashPassword(password, priority));
}

export function passwordMatches(password: string, stored: string): Promise<boolean> {
  return queued(verifyPassword(password, stored));
}
