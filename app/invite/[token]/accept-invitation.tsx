'use client';

import { useRouter } from 'next/navigation';
import { SimpleForm } from '../../_components/simple-form';

export function AcceptInvitation({ token }: { token: string }) {
  const router = useRouter();
  return (
    <SimpleForm<{ teamSlug: string }>
      method="POST"
      url={`/api/v1/invitations/${token}/accept`}
      submitLabel="Accept invitation"
      onDone={(joined) => router.push(`/t/${joined.teamSlug}`)}
    />
  );
}
