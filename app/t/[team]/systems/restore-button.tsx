'use client';

import { useApi } from '../../../_lib/api-client';
import { ErrorNote } from '../../../_components/error-note';

/** Puts a quarantined system back into its pool. */
export function RestoreButton({ url, system }: { url: string; system: string }) {
  const { call, error, busy } = useApi();
  return (
    <>
      <button className="btn-quiet" disabled={busy} onClick={() => void call('POST', url)} aria-label={`put ${system} back into the pool`}>
        Put back
      </button>
      <ErrorNote error={error} />
    </>
  );
}
