'use client';

import { useState } from 'react';
import type { ConnectionCheck } from '@/lib/server/platforms/test-connection';
import { ErrorNote } from '../../../../_components/error-note';
import { messageOf } from '@/lib/shared/errors';

/** Provisions one system through the API and shows what `uname -a` said, or where and why it failed. */
export function TestConnectionButton({ url }: { url: string }) {
  const [check, setCheck] = useState<ConnectionCheck | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function test() {
    setBusy(true);
    setCheck(null);
    setError(null);
    try {
      const response = await fetch(url, { method: 'POST' });
      const payload = (await response.json()) as ConnectionCheck | { error: string };
      if ('error' in payload && !('ok' in payload)) setError(payload.error);
      else setCheck(payload as ConnectionCheck);
    } catch (failure) {
      setError(`could not reach the server: ${messageOf(failure)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="mt-6 border-t border-slate-200 pt-4">
      <button className="btn" onClick={() => void test()} disabled={busy}>
        {busy ? 'Provisioning one system…' : 'Test connection'}
      </button>
      <ErrorNote error={error} />
      {check && (
        <div
          data-testid="connection-check"
          className={`mt-3 rounded-md p-3 text-sm ${check.ok ? 'bg-green-50 text-green-800' : 'bg-red-50 text-red-700'}`}
        >
          {check.ok ? (
            <>
              <p>
                Connected to {check.remote} in {(check.durationMs / 1000).toFixed(1)} s; it has been released.
              </p>
              <pre className="mt-2 whitespace-pre-wrap font-mono text-xs" data-testid="connection-output">
                {check.output}
              </pre>
            </>
          ) : (
            <p role="alert">
              Failed while{' '}
              {check.stage === 'timeout'
                ? 'waiting (timed out)'
                : check.stage === 'configure'
                  ? 'configuring'
                  : check.stage === 'provision'
                    ? 'provisioning'
                    : 'running uname -a'}
              : {check.error}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
