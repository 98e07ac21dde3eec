'use client';

import { Field } from '../field';
import { SimpleForm } from '../simple-form';

const statuses = ['fail', 'error', 'warn', 'info', 'skip', 'pass'];

export interface KnownIssueFields {
  title: string;
  url: string;
  testPattern: string;
  platformPattern: string | null;
  statuses: string[];
  textPattern: string | null;
}

/** Creates a known issue (optionally from a failure, `sourceResultId`) or edits one (`id`). */
export function KnownIssueForm({
  teamSlug,
  initial,
  id,
  sourceResultId,
  onDone,
}: {
  teamSlug: string;
  initial?: Partial<KnownIssueFields>;
  id?: string;
  sourceResultId?: string;
  onDone?: () => void;
}) {
  const base = `/api/v1/teams/${encodeURIComponent(teamSlug)}/known-issues`;
  const optional = (value: FormDataEntryValue | null) => (typeof value === 'string' && value.trim() ? value : null);
  return (
    <SimpleForm
      method={id ? 'PATCH' : 'POST'}
      url={id ? `${base}/${id}` : base}
      body={(form) => ({
        title: form.get('title'),
        url: form.get('url'),
        testPattern: form.get('testPattern'),
        platformPattern: optional(form.get('platformPattern')),
        statuses: form.getAll('statuses'),
        textPattern: optional(form.get('textPattern')),
        ...(sourceResultId && !id ? { sourceResultId } : {}),
      })}
      submitLabel={id ? 'Save known issue' : 'Create known issue'}
      onDone={onDone}
    >
      <Field label="Title">
        <input name="title" required className="input" defaultValue={initial?.title ?? ''} data-testid="known-issue-title" />
      </Field>
      <Field label="Bug URL">
        <input
          name="url"
          type="url"
          required
          className="input"
          defaultValue={initial?.url ?? ''}
          placeholder="https://…"
          data-testid="known-issue-url"
        />
      </Field>
      <Field label="Test name pattern (regular expression)">
        <input name="testPattern" required className="input font-mono text-xs" defaultValue={initial?.testPattern ?? ''} />
      </Field>
      <Field label="Platform pattern (empty: every platform)">
        <input name="platformPattern" className="input font-mono text-xs" defaultValue={initial?.platformPattern ?? ''} />
      </Field>
      <fieldset className="text-sm">
        <legend className="mb-1 font-medium text-slate-700">Statuses</legend>
        <div className="flex flex-wrap gap-3">
          {statuses.map((status) => (
            <label key={status} className="flex items-center gap-1">
              <input
                type="checkbox"
                name="statuses"
                value={status}
                defaultChecked={(initial?.statuses ?? ['fail', 'error']).includes(status)}
              />
              {status}
            </label>
          ))}
        </div>
      </fieldset>
      <Field label="Output or note pattern (empty: test, platform and status decide)">
        <input
          name="textPattern"
          className="input font-mono text-xs"
          defaultValue={initial?.textPattern ?? ''}
          data-testid="known-issue-text"
        />
      </Field>
      <p className="text-xs text-slate-500">
        Patterns are JavaScript regular expressions searched anywhere in the text, case-sensitive, without backreferences or lookaround
        (they run in linear time).
      </p>
    </SimpleForm>
  );
}
