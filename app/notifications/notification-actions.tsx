'use client';

import { useRouter } from 'next/navigation';
import type { ReactNode } from 'react';
import { useApi } from '../_lib/api-client';
import { ErrorNote } from '../_components/error-note';

const readUrl = '/api/v1/me/notifications/read';

/** Opening a notification marks it read. */
export function NotificationLink({ id, href, read, children }: { id: string; href: string; read: boolean; children: ReactNode }) {
  const router = useRouter();
  const open = async () => {
    if (!read)
      await fetch(readUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: [id] }) });
    router.push(href);
  };
  return (
    <a
      href={href}
      className="text-indigo-700 hover:underline"
      onClick={(event) => {
        event.preventDefault();
        void open();
      }}
    >
      {children}
    </a>
  );
}

export function MarkAllRead() {
  const { call, error, busy } = useApi();
  return (
    <>
      <button
        className="btn-quiet ml-auto"
        disabled={busy}
        onClick={() => void call('POST', readUrl, { all: true })}
        data-testid="mark-all-read"
      >
        Mark all read
      </button>
      <ErrorNote error={error} />
    </>
  );
}
