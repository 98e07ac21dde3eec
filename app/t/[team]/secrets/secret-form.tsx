'use client';

import { secretKinds } from '@/lib/shared/secret-kinds';
import { Field } from '../../../_components/field';
import { SimpleForm } from '../../../_components/simple-form';

export function SecretForm({ teamSlug }: { teamSlug: string }) {
  return (
    <SimpleForm
      method="POST"
      url={`/api/v1/teams/${teamSlug}/secrets`}
      body={(form) => ({ name: form.get('name'), kind: form.get('kind'), value: form.get('value') })}
      submitLabel="Save secret"
    >
      <Field label="Name">
        <input name="name" required className="input" />
      </Field>
      <Field label="Kind">
        <select name="kind" className="input">
          {secretKinds.map((kind) => (
            <option key={kind}>{kind}</option>
          ))}
        </select>
      </Field>
      <Field label="Value">
        <textarea name="value" required rows={5} className="input font-mono text-xs" autoComplete="off" />
      </Field>
    </SimpleForm>
  );
}
