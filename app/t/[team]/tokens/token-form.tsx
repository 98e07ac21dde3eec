'use client';

import { useState } from 'react';
import { Field } from '../../../_components/field';
import { SimpleForm } from '../../../_components/simple-form';

export function TokenForm({ teamSlug }: { teamSlug: string }) {
  const [token, setToken] = useState<string | null>(null);
  return (
    <>
      <SimpleForm<{ token: string }>
        method="POST"
        url={`/api/v1/teams/${teamSlug}/tokens`}
        body={(form) => ({ name: form.get('name') })}
        submitLabel="Create token"
        onDone={(created) => setToken(created.token)}
      >
        <Field label="Name">
          <input name="name" required placeholder="CI pipeline" className="input" />
        </Field>
      </SimpleForm>
      {token && (
        <div className="mt-4 text-sm">
          <p className="font-medium">Copy it now: it is shown only once.</p>
          <input
            readOnly
            value={token}
            className="input mt-1 font-mono text-xs"
            data-testid="new-token"
            onFocus={(e) => e.target.select()}
          />
        </div>
      )}
    </>
  );
}
