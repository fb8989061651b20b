import type { SessionView } from '../../src/http/responses.js';
import type { CallResult, TestServer } from '../harness.js';

export const PASSWORD = 'correct horse battery staple';

/** A browser tab on the dashboard: its session cookie, and same-origin requests as the SPA sends them. */
export interface DashboardClient {
  cookie: string;
  userId: string;
  accountId: string;
  email: string;
  /** A same-origin JSON request with the session cookie; `headers` are added last. */
  request<Body = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<CallResult<Body>>;
}

let signUps = 0;

/** The `name=value` of the session cookie a response sets, or undefined. */
export function sessionCookieOf(result: CallResult): string | undefined {
  const header = result.headers.getSetCookie().find((line) => line.startsWith('kg_session='));
  return header?.split(';')[0];
}

/** The same-origin JSON request of the SPA: Origin of the server, and the cookie if any. */
export function dashboardCall<Body = any>(
  server: TestServer,
  cookie: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  return server.call<Body>(`/dashboard/api${path}`, {
    method,
    headers: {
      origin: server.url,
      ...(cookie !== undefined && { cookie }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

/** Signs up a new account through the dashboard API. */
export async function signUp(server: TestServer, email = `dash${++signUps}-${process.pid}-${Date.now()}@example.com`): Promise<DashboardClient> {
  const result = await dashboardCall<SessionView>(server, undefined, 'POST', '/signup', { email, password: PASSWORD });
  if (result.status !== 201) throw new Error(`sign-up failed: ${result.text}`);
  const cookie = sessionCookieOf(result)!;
  return {
    cookie,
    userId: result.body.user.id,
    accountId: result.body.account.id,
    email,
    request: <Body>(method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
      dashboardCall<Body>(server, cookie, method, path, body, headers),
  };
}
