import Link from 'next/link';
import { db } from '@/lib/server/db/client';
import { AppError } from '@/lib/server/errors';
import { describeInvitation } from '@/lib/server/teams/invitations';
import { currentActor } from '../../_lib/session';
import { AcceptInvitation } from './accept-invitation';

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const invitation = await describeInvitation(db(), token).catch((error: unknown) => {
    if (error instanceof AppError) return { problem: error.message };
    throw error;
  });
  if ('problem' in invitation) {
    return <div className="card mx-auto max-w-md text-sm">This invitation cannot be used: {invitation.problem}.</div>;
  }
  const signedIn = Boolean(await currentActor());
  const next = encodeURIComponent(`/invite/${token}`);
  return (
    <div className="card mx-auto max-w-md space-y-3 text-sm">
      <h1 className="text-lg font-semibold">Join {invitation.teamName}</h1>
      <p>
        {invitation.email} is invited as <b>{invitation.role}</b>.
      </p>
      {signedIn ? (
        <AcceptInvitation token={token} />
      ) : (
        <p>
          <Link className="btn" href={`/sign-up?next=${next}`}>
            Sign up
          </Link>{' '}
          or{' '}
          <Link className="text-indigo-700 underline" href={`/sign-in?next=${next}`}>
            sign in
          </Link>{' '}
          as {invitation.email} to accept.
        </p>
      )}
    </div>
  );
}
