'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { messageOf } from '@/lib/shared/errors';

interface ApiError {
  error: string;
  issues?: { path: string; message: string }[];
}

/** Calls the REST API from a form and refreshes the page's server data on success. */
export function useApi() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function call<T = unknown>(method: string, url: string, body?: unknown): Promise<T | null> {
    setBusy(true);
    setError(null);
    try {
      const response = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const payload = response.status === 204 ? null : await response.json();
      if (!response.ok) {
        const { error, issues } = payload as ApiError;
        setError(issues?.length ? issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ') : error);
        return null;
      }
      router.refresh();
      return payload as T;
    } catch (failure) {
      setError(`could not reach the server: ${messageOf(failure)}`);
      return null;
    } finally {
      setBusy(false);
    }
  }

  return { call, error, busy };
}
