'use client';

import { Field } from '../field';
import { SimpleForm } from '../simple-form';

export interface WaiverFields {
  testPattern: string;
  platformPattern: string | null;
  reason: string;
  expiresAt: string;
}

/** `datetime-local` wants the reader's local time without a zone. */
function localInputValue(iso: string): string {
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

const inTwoWeeks = () => new Date(Date.now() + 14 * 24 * 3600 * 1000).toISOString();

/** Creates a waiver or edits one (`id`). */
export function WaiverForm({
  teamSlug,
  initial,
  id,
  onDone,
}: {
  teamSlug: string;
  initial?: Partial<WaiverFields>;
  id?: string;
  onDone?: () => void;
}) {
  const base = `/api/v1/teams/${encodeURIComponent(teamSlug)}/waivers`;
  return (
    <SimpleForm
      method={id ? 'PATCH' : 'POST'}
      url={id ? `${base}/${id}` : base}
      body={(form) => {
        const platform = String(form.get('platformPattern') ?? '').trim();
        const expires = String(form.get('expiresAt') ?? '');
        return {
          testPattern: form.get('testPattern'),
          platformPattern: platform || null,
          reason: form.get('reason'),
          expiresAt: expires ? new Date(expires).toISOString() : '',
        };
      }}
      submitLabel={id ? 'Save waiver' : 'Create waiver'}
      onDone={onDone}
    >
      <Field label="Test name pattern (regular expression)">
        <input
          name="testPattern"
          required
          className="input font-mono text-xs"
          defaultValue={initial?.testPattern ?? ''}
          data-testid="waiver-test"
        />
      </Field>
      <Field label="Platform pattern (empty: every platform)">
        <input name="platformPattern" className="input font-mono text-xs" defaultValue={initial?.platformPattern ?? ''} />
      </Field>
      <Field label="Reason">
        <input name="reason" required className="input" defaultValue={initial?.reason ?? ''} data-testid="waiver-reason" />
      </Field>
      <Field label="Expires">
        <input
          name="expiresAt"
          type="datetime-local"
          required
          className="input"
          defaultValue={localInputValue(initial?.expiresAt ?? inTwoWeeks())}
        />
      </Field>
    </SimpleForm>
  );
}
