'use client';

import { Field } from '../../../_components/field';
import { SimpleForm } from '../../../_components/simple-form';

export function RepoForm({ teamSlug }: { teamSlug: string }) {
  return (
    <SimpleForm
      method="POST"
      url={`/api/v1/teams/${teamSlug}/repos`}
      body={(form) => ({
        name: form.get('name'),
        url: form.get('url') || null,
        ref: form.get('ref') || null,
        path: form.get('path') || null,
      })}
      submitLabel="Add repository"
    >
      <Field label="Name">
        <input name="name" required className="input" />
      </Field>
      <Field label="Git URL">
        <input name="url" placeholder="https://github.com/org/tests.git" className="input" />
      </Field>
      <Field label="Ref (branch, tag or commit)">
        <input name="ref" placeholder="main" className="input" />
      </Field>
      <Field label="…or a path on the worker hosts">
        <input name="path" placeholder="/srv/tests" className="input" />
      </Field>
    </SimpleForm>
  );
}
