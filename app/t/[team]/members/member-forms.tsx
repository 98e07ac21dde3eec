'use client';

import { useState } from 'react';
import { roles } from '@/lib/shared/roles';
import { ErrorNote } from '../../../_components/error-note';
import { Field } from '../../../_components/field';
import { SimpleForm } from '../../../_components/simple-form';
import { useApi } from '../../../_lib/api-client';

export function InviteForm({ teamSlug }: { teamSlug: string }) {
  const [link, setLink] = useState<string | null>(null);
  return (
    <>
      <SimpleForm<{ url: string }>
        method="POST"
        url={`/api/v1/teams/${teamSlug}/invitations`}
        body={(form) => ({ email: form.get('email'), role: form.get('role') })}
        submitLabel="Create invitation link"
        onDone={(invitation) => setLink(invitation.url)}
      >
        <Field label="Email">
          <input name="email" type="email" required className="input" />
        </Field>
        <Field label="Role">
          <select name="role" defaultValue="member" className="input">
            {roles.map((role) => (
              <option key={role}>{role}</option>
            ))}
          </select>
        </Field>
      </SimpleForm>
      {link && (
        <div className="mt-4 text-sm">
          <p>Send this link to the person you invited; it works once, for their email, for 7 days:</p>
          <input
            readOnly
            value={link}
            className="input mt-1 font-mono text-xs"
            data-testid="invite-link"
            onFocus={(e) => e.target.select()}
          />
        </div>
      )}
    </>
  );
}

export function MemberActions({ teamSlug, userId, role }: { teamSlug: string; userId: string; role: string }) {
  const { call, error, busy } = useApi();
  const url = `/api/v1/teams/${teamSlug}/members/${userId}`;
  return (
    <div className="flex items-center gap-2">
      <select
        aria-label="role"
        defaultValue={role}
        disabled={busy}
        className="input w-auto"
        onChange={(event) => void call('PATCH', url, { role: event.target.value })}
      >
        {roles.map((option) => (
          <option key={option}>{option}</option>
        ))}
      </select>
      <button className="btn-quiet" disabled={busy} onClick={() => window.confirm('Remove this member?') && void call('DELETE', url)}>
        Remove
      </button>
      <ErrorNote error={error} />
    </div>
  );
}
