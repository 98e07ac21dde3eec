'use client';

import { useState } from 'react';
import { webhookEventTypes } from '@/lib/shared/webhook-events';
import { useApi } from '../../../../_lib/api-client';
import { ErrorNote } from '../../../../_components/error-note';
import { Field } from '../../../../_components/field';
import { SimpleForm } from '../../../../_components/simple-form';

export function WebhookForm({ teamSlug }: { teamSlug: string }) {
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <>
      <SimpleForm<{ secret: string }>
        method="POST"
        url={`/api/v1/teams/${teamSlug}/webhooks`}
        body={(form) => ({
          url: form.get('url'),
          events: form.getAll('events'),
          ...(form.get('secret') ? { secret: form.get('secret') } : {}),
        })}
        submitLabel="Add webhook"
        onDone={(created) => setSecret(created.secret)}
      >
        <Field label="Payload URL">
          <input
            name="url"
            required
            type="url"
            placeholder="https://ci.example.com/testyard-hook"
            className="input"
            data-testid="webhook-url"
          />
        </Field>
        <fieldset className="text-sm">
          <legend className="mb-1 font-medium text-slate-700">Events</legend>
          {webhookEventTypes.map((event) => (
            <label key={event} className="flex items-center gap-2">
              <input type="checkbox" name="events" value={event} defaultChecked={event !== 'known-issue.matched'} />
              <span className="font-mono text-xs">{event}</span>
            </label>
          ))}
        </fieldset>
        <Field label="Signing secret (empty: generate one)">
          <input name="secret" minLength={16} className="input font-mono" autoComplete="off" />
        </Field>
      </SimpleForm>
      {secret && (
        <div className="mt-4 text-sm">
          <p className="font-medium">The signing secret, shown only once:</p>
          <input
            readOnly
            value={secret}
            className="input mt-1 font-mono text-xs"
            data-testid="webhook-secret"
            onFocus={(e) => e.target.select()}
          />
        </div>
      )}
    </>
  );
}

export function EnableToggle({ url, enabled }: { url: string; enabled: boolean }) {
  const { call, error, busy } = useApi();
  return (
    <>
      <button className="btn-quiet" disabled={busy} onClick={() => void call('PATCH', url, { enabled: !enabled })}>
        {enabled ? 'Disable' : 'Enable'}
      </button>
      <ErrorNote error={error} />
    </>
  );
}
