import Link from 'next/link';
import { Suspense } from 'react';
import { undeliveredMailNote } from '@/lib/server/mail/mailer';
import { AuthForm } from '../_components/auth-form';

export default function SignUpPage() {
  return (
    <>
      <Suspense>
        <AuthForm mode="sign-up" mailHint={undeliveredMailNote()} />
      </Suspense>
      <p className="mt-4 text-center text-sm">
        Have an account?{' '}
        <Link href="/sign-in" className="text-indigo-700 underline">
          Sign in
        </Link>
      </p>
    </>
  );
}
