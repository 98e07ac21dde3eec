'use client';

import { useRouter, useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { authClient } from '../_lib/auth-client';
import { ErrorNote } from './error-note';
import { Field } from './field';

/**
 * Sign-in and sign-up share one form; sign-up also asks for a name. A new
 * account (and an unconfirmed one signing in) gets a mail with a link that
 * confirms the address and signs in; `mailHint` says where that mail is when
 * the server delivers none.
 */
export function AuthForm({ mode, mailHint }: { mode: 'sign-in' | 'sign-up'; mailHint?: string | null }) {
  const router = useRouter();
  const next = safeNext(useSearchParams().get('next'));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [mailedTo, setMailedTo] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get('email'));
    const password = String(form.get('password'));
    setBusy(true);
    const { error } =
      mode === 'sign-up'
        ? await authClient.signUp.email({ email, password, name: String(form.get('name')), callbackURL: next })
        : await authClient.signIn.email({ email, password, callbackURL: next });
    setBusy(false);
    // The same answer whether or not the address has an account: the mail tells its owner.
    if (mode === 'sign-up' && !error) return setMailedTo(email);
    if (error?.code === 'EMAIL_NOT_VERIFIED') return setMailedTo(email);
    if (error) {
      setError(error.status === 429 ? 'too many attempts: wait a minute and try again' : (error.message ?? 'that did not work'));
      return;
    }
    router.push(next);
    router.refresh();
  }

  if (mailedTo) {
    return (
      <div className="card mx-auto max-w-sm space-y-3 text-sm" data-testid="check-your-mail">
        <h1 className="text-lg font-semibold">Check your email</h1>
        <p>
          We sent a link to <b>{mailedTo}</b>. Open it to confirm the address and sign in.
        </p>
        {mailHint && <p className="text-slate-500">{mailHint}</p>}
      </div>
    );
  }

  return (
    <form onSubmit={(event) => void submit(event)} className="card mx-auto max-w-sm space-y-4">
      <h1 className="text-lg font-semibold">{mode === 'sign-up' ? 'Create an account' : 'Sign in'}</h1>
      {mode === 'sign-up' && (
        <Field label="Name">
          <input name="name" required maxLength={100} className="input" autoComplete="name" />
        </Field>
      )}
      <Field label="Email">
        <input name="email" type="email" required className="input" autoComplete="email" />
      </Field>
      <Field label="Password">
        <input
          name="password"
          type="password"
          required
          minLength={mode === 'sign-up' ? 12 : undefined}
          className="input"
          autoComplete={mode === 'sign-up' ? 'new-password' : 'current-password'}
        />
      </Field>
      <button className="btn w-full justify-center" disabled={busy}>
        {mode === 'sign-up' ? 'Sign up' : 'Sign in'}
      </button>
      <ErrorNote error={error} />
    </form>
  );
}

/**
 * Only paths of this site, so a crafted link cannot send people elsewhere
 * after signing in. Browsers read `/\host`, `//host` and `/<tab>/host` as
 * another host: the URL parser decides, as the browser will.
 */
export function safeNext(next: string | null): string {
  if (!next?.startsWith('/')) return '/teams';
  const base = 'http://testyard.invalid';
  try {
    const url = new URL(next, base);
    return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : '/teams';
  } catch {
    return '/teams';
  }
}
