'use client';

import { useRouter, useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { authClient } from '../_lib/auth-client';
import { ErrorNote } from './error-note';
import { Field } from './field';

/** Sign-in and sign-up share one form; sign-up also asks for a name. */
export function AuthForm({ mode }: { mode: 'sign-in' | 'sign-up' }) {
  const router = useRouter();
  const next = safeNext(useSearchParams().get('next'));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get('email'));
    const password = String(form.get('password'));
    setBusy(true);
    const { error } =
      mode === 'sign-up'
        ? await authClient.signUp.email({ email, password, name: String(form.get('name')) })
        : await authClient.signIn.email({ email, password });
    setBusy(false);
    if (error) {
      setError(error.status === 429 ? 'too many attempts: wait a minute and try again' : (error.message ?? 'that did not work'));
      return;
    }
    router.push(next);
    router.refresh();
  }

  return (
    <form onSubmit={submit} className="card mx-auto max-w-sm space-y-4">
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
          minLength={8}
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

/** Only same-site paths, so a crafted link cannot send people elsewhere after signing in. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/teams';
}
