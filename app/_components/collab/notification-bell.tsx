'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import { collaborationEventNames, type NotificationCount } from '@/lib/shared/events/collaboration';
import { openLiveSocket } from '../run/live-socket';

/** The header's inbox link with the unread count, live (a socket is in its user's room from the start). */
export function NotificationBell({ unread: initial }: { unread: number }) {
  const [unread, setUnread] = useState(initial);
  useEffect(() => {
    const socket = openLiveSocket(
      [],
      { [collaborationEventNames.notifications]: (count: NotificationCount) => setUnread(count.unread) },
      () => {},
      () => {},
    );
    return () => {
      socket.close();
    };
  }, []);
  return (
    <Link
      href="/notifications"
      className="relative inline-flex items-center"
      aria-label={`notifications: ${unread} unread`}
      data-testid="notification-bell"
    >
      <svg viewBox="0 0 24 24" className="h-5 w-5 fill-none stroke-slate-600" strokeWidth={1.8} aria-hidden="true">
        <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
        <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
      </svg>
      {unread > 0 && (
        <span
          className="absolute -top-1.5 -right-2 min-w-4 rounded-full bg-red-600 px-1 text-center text-[10px] leading-4 font-semibold text-white"
          data-testid="notification-count"
        >
          {unread > 99 ? '99+' : unread}
        </span>
      )}
    </Link>
  );
}
