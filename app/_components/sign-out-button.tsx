'use client';

import { useRouter } from 'next/navigation';
import { authClient } from '../_lib/auth-client';

export function SignOutButton() {
  const router = useRouter();
  return (
    <button
      className="btn-quiet"
      onClick={() =>
        void authClient.signOut().then(() => {
          router.push('/sign-in');
          router.refresh();
        })
      }
    >
      Sign out
    </button>
  );
}
