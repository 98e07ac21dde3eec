import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { dataDir, mailSender, smtpUrl } from '../config';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

const cache = globalThis as unknown as { testyardMailer?: Transporter };

/** Where mails go when no SMTP server is configured: one JSON file per mail, for a developer (and the tests) to read. */
export function mailSinkDir(): string {
  return path.join(dataDir(), 'mail');
}

/** Whether mails reach people (TESTYARD_SMTP_URL) or only the sink folder and the server log. */
function mailIsDelivered(): boolean {
  return smtpUrl() !== undefined;
}

/** What people waiting for a mail are told when the server delivers none. */
export function undeliveredMailNote(): string | null {
  return mailIsDelivered()
    ? null
    : 'This server sends no mail (TESTYARD_SMTP_URL is not set): the link is in the server log and in the mail folder of its data directory.';
}

/**
 * Sends a mail through TESTYARD_SMTP_URL (e.g. smtps://user:password@mail.example.com)
 * from TESTYARD_MAIL_FROM. Without SMTP, the mail is written to the sink
 * folder and logged, so a local installation works without a mail server.
 */
export async function sendMail(mail: Mail): Promise<void> {
  const smtp = smtpUrl();
  if (smtp) {
    cache.testyardMailer ??= nodemailer.createTransport(smtp);
    await cache.testyardMailer.sendMail({ from: mailSender(), ...mail });
    return;
  }
  const folder = mailSinkDir();
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const file = path.join(folder, `${Date.now()}-${randomUUID().slice(0, 8)}.json`);
  await writeFile(file, JSON.stringify({ ...mail, sentAt: new Date().toISOString() }, null, 2), { mode: 0o600 });
  console.log(`mail (no TESTYARD_SMTP_URL; kept in ${file}) to ${mail.to}: ${mail.subject}\n${mail.text}`);
}
