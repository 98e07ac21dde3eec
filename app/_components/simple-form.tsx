'use client';

import type { FormEvent, ReactNode } from 'react';
import { useApi } from '../_lib/api-client';
import { ErrorNote } from './error-note';

interface SimpleFormProps<T> {
  method: 'POST' | 'PATCH' | 'DELETE';
  url: string;
  /** Builds the JSON body from the form's fields. */
  body?: (form: FormData) => unknown;
  submitLabel: string;
  danger?: boolean;
  confirm?: string;
  onDone?: (result: T) => void;
  children?: ReactNode;
  className?: string;
}

/** A form that sends one REST call and shows the API's error message when it fails. */
export function SimpleForm<T>({ method, url, body, submitLabel, danger, confirm, onDone, children, className }: SimpleFormProps<T>) {
  const { call, error, busy } = useApi();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (confirm && !window.confirm(confirm)) return;
    const form = event.currentTarget;
    const result = await call<T>(method, url, body?.(new FormData(form)));
    if (result !== null || method === 'DELETE') {
      if (method === 'POST') form.reset();
      if (result !== null) onDone?.(result);
    }
  }

  return (
    <form onSubmit={(event) => void submit(event)} className={className ?? 'space-y-3'}>
      {children}
      <button className={danger ? 'btn-danger' : 'btn'} disabled={busy}>
        {submitLabel}
      </button>
      <ErrorNote error={error} />
    </form>
  );
}
