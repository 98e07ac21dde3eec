import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface SentMail {
  to: string;
  subject: string;
  text: string;
}

/** Mails the app at `dataDir` wrote to its sink (no SMTP in tests) for `to`, oldest first. */
export async function mailsTo(dataDir: string, to: string): Promise<SentMail[]> {
  const folder = path.join(dataDir, 'mail');
  const names = (await readdir(folder).catch(() => [] as string[])).filter((name) => name.endsWith('.json')).sort();
  const mails = await Promise.all(names.map(async (name) => JSON.parse(await readFile(path.join(folder, name), 'utf8')) as SentMail));
  return mails.filter((mail) => mail.to.toLowerCase() === to.toLowerCase());
}

/** The newest link to `pathPart` in a mail to `to`, waiting for the mail to arrive. */
export async function linkInMail(dataDir: string, to: string, pathPart = '/verify-email?'): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const links = (await mailsTo(dataDir, to))
      .flatMap((mail) => mail.text.match(/https?:\/\/\S+/g) ?? [])
      .filter((link) => link.includes(pathPart));
    if (links.length) return links.at(-1)!;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no mail to ${to} with a ${pathPart} link`);
}

/** Signs up through the API and opens the confirmation link, as a person does: the result is a signed-in session. */
export async function signUpAndConfirm(
  appUrl: string,
  dataDir: string,
  account: { email: string; password: string; name: string },
): Promise<{ cookie: string; id: string }> {
  const response = await fetch(`${appUrl}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: appUrl },
    body: JSON.stringify(account),
  });
  if (!response.ok) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
  const confirmed = await fetch(await linkInMail(dataDir, account.email), { redirect: 'manual' });
  const cookie = confirmed.headers
    .getSetCookie()
    .map((item) => item.split(';')[0])
    .join('; ');
  if (!cookie) throw new Error(`confirming ${account.email} gave no session: ${confirmed.status} ${await confirmed.text()}`);
  const me = await fetch(`${appUrl}/api/v1/me`, { headers: { cookie } });
  const { id } = (await me.json()) as { id: string };
  return { cookie, id };
}
