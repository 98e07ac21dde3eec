'use client';

import { useRouter } from 'next/navigation';
import { Field } from '../_components/field';
import { SimpleForm } from '../_components/simple-form';

export function CreateTeamForm() {
  const router = useRouter();
  return (
    <SimpleForm<{ slug: string }>
      method="POST"
      url="/api/v1/teams"
      body={(form) => ({ name: form.get('name') })}
      submitLabel="Create team"
      onDone={(team) => router.push(`/t/${team.slug}`)}
    >
      <Field label="Team name">
        <input name="name" required maxLength={80} className="input" />
      </Field>
    </SimpleForm>
  );
}
