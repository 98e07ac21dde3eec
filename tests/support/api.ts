import { inject } from 'vitest';
import { signUpAndConfirm } from './accounts';

export interface Credentials {
  cookie?: string;
  token?: string;
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

/** Calls the running app's HTTP API as a session (cookie) or an API token. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the bodies they assert on without declaring each shape
export async function api<T = any>(method: string, path: string, as: Credentials = {}, body?: unknown): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { origin: inject('appUrl') };
  if (as.cookie) headers.cookie = as.cookie;
  if (as.token) headers.authorization = `Bearer ${as.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${inject('appUrl')}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
  });
  const text = await response.text();
  return { status: response.status, body: text ? parseOrText(text) : (null as T) };
}

function parseOrText(text: string) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

let counter = 0;

/** Signs up a brand-new user, confirms its address through the mailed link, and returns its session cookie and email. */
export async function signUp(name = 'user'): Promise<{ cookie: string; email: string; id: string }> {
  const email = `${name}-${Date.now()}-${process.pid}-${counter++}@example.com`;
  const { cookie, id } = await signUpAndConfirm(inject('appUrl'), inject('appDataDir'), { email, password: 'correct horse battery', name });
  return { cookie, email, id };
}

/** A team owned by a new user, with one member of each other role; every member has an API token. */
export async function teamWithAllRoles() {
  const owner = await signUp('owner');
  const team = (await api('POST', '/api/v1/teams', owner, { name: `Team ${counter++}` })).body as { slug: string; id: string };
  const members: Record<'owner' | 'admin' | 'member' | 'viewer', { cookie: string; email: string; id: string; token: string }> = {
    owner: { ...owner, token: '' },
  } as never;
  for (const role of ['admin', 'member', 'viewer'] as const) {
    const user = await signUp(role);
    const invitation = await api('POST', `/api/v1/teams/${team.slug}/invitations`, owner, { email: user.email, role });
    const token = new URL(invitation.body.url).pathname.split('/').pop()!;
    const accepted = await api('POST', `/api/v1/invitations/${token}/accept`, user);
    if (accepted.status !== 200) throw new Error(`accepting failed: ${JSON.stringify(accepted.body)}`);
    members[role] = { ...user, token: '' };
  }
  for (const member of Object.values(members)) {
    member.token = (await api('POST', `/api/v1/teams/${team.slug}/tokens`, member, { name: 'test' })).body.token;
  }
  return { team, members };
}
