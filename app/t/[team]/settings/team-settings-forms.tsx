'use client';

import { useRouter } from 'next/navigation';
import { Field } from '../../../_components/field';
import { SimpleForm } from '../../../_components/simple-form';

export function RenameTeamForm({ teamSlug, name }: { teamSlug: string; name: string }) {
  return (
    <SimpleForm method="PATCH" url={`/api/v1/teams/${teamSlug}`} body={(form) => ({ name: form.get('name') })} submitLabel="Rename">
      <Field label="Team name">
        <input name="name" defaultValue={name} required className="input" />
      </Field>
    </SimpleForm>
  );
}

export function DeleteTeamForm({ teamSlug, name }: { teamSlug: string; name: string }) {
  const router = useRouter();
  return (
    <SimpleForm
      method="DELETE"
      url={`/api/v1/teams/${teamSlug}`}
      submitLabel="Delete team"
      danger
      confirm={`Delete team ${name} and everything in it?`}
      onDone={() => router.push('/teams')}
    />
  );
}
