'use client';

import { useApi } from '../_lib/api-client';
import { ErrorNote } from './error-note';

export function DeleteButton({ url, what, label = 'Delete' }: { url: string; what: string; label?: string }) {
  const { call, error, busy } = useApi();
  return (
    <>
      <button className="btn-quiet" disabled={busy} onClick={() => window.confirm(`${label} ${what}?`) && void call('DELETE', url)}>
        {label}
      </button>
      <ErrorNote error={error} />
    </>
  );
}
