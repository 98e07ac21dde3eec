import Link from 'next/link';
import { Suspense } from 'react';
import { undeliveredMailNote } from '@/lib/server/mail/mailer';
import { AuthForm } from '../_components/auth-form';

export default function SignInPage() {
  return (
    <>
      <Suspense>
        <AuthForm mode="sign-in" mailHint={undeliveredMailNote()} />
      </Suspense>
      <p className="mt-4 text-center text-sm">
        No account?{' '}
        <Link href="/sign-up" className="text-indigo-700 underline">
          Sign up
        </Link>
      </p>
    </>
  );
}
