import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { db } from '@/lib/server/db/client';
import { currentActor } from './_lib/session';
import { SignOutButton } from './_components/sign-out-button';
import { NotificationBell } from './_components/collab/notification-bell';
import './globals.css';

export const metadata: Metadata = {
  title: 'Testyard',
  description: 'Run fmf test suites on pools of systems, live.',
  manifest: '/manifest.webmanifest',
  icons: {
    icon: [
      { url: '/icon.svg', type: 'image/svg+xml' },
      { url: '/icon-32.png', sizes: '32x32', type: 'image/png' },
    ],
    apple: { url: '/apple-touch-icon.png', sizes: '180x180' },
  },
};
export const viewport: Viewport = { themeColor: '#4338ca' };
export const dynamic = 'force-dynamic';

export default async function RootLayout({ children }: { children: ReactNode }) {
  const actor = await currentActor();
  const user = actor ? await db().user.findUnique({ where: { id: actor.userId }, select: { email: true } }) : null;
  const unread = user && actor ? await db().notification.count({ where: { userId: actor.userId, readAt: null } }) : 0;
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-slate-900">
        <header className="border-b border-slate-200 bg-white">
          <nav className="mx-auto flex max-w-6xl items-center gap-4 px-4 py-3 text-sm">
            <Link href="/" className="text-base font-semibold text-indigo-700">
              Testyard
            </Link>
            {user && <Link href="/teams">Teams</Link>}
            <Link href="/health">Health</Link>
            <span className="ml-auto" />
            {user ? (
              <>
                <NotificationBell unread={unread} />
                <span className="text-slate-500" data-testid="signed-in-as">
                  {user.email}
                </span>
                <SignOutButton />
              </>
            ) : (
              <>
                <Link href="/sign-in">Sign in</Link>
                <Link href="/sign-up" className="btn">
                  Sign up
                </Link>
              </>
            )}
          </nav>
        </header>
        <main className="mx-auto max-w-6xl px-4 py-6">{children}</main>
      </body>
    </html>
  );
}
