'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState, type FormEvent } from 'react';
import type { FieldIssue } from '@/lib/shared/field-issue';
import { pairItems, parsePairs } from '@/lib/shared/context-pairs';
import type { DiscoveryPreview } from '@/lib/server/repos/discovery';
import { useApi } from '../../../../_lib/api-client';
import { ErrorNote } from '../../../../_components/error-note';
import { Field } from '../../../../_components/field';
import { messageOf } from '@/lib/shared/errors';

interface RepoChoice {
  id: string;
  name: string;
  /** The git URL; null for a server-side folder. */
  url: string | null;
  ref: string | null;
}

interface Fields {
  repoId: string;
  ref: string;
  plan: string;
  names: string;
  excludes: string;
  context: string;
  platforms: string[];
  reruns: number;
  environment: string;
}

type Preview =
  { state: 'idle' } | { state: 'counting' } | { state: 'done'; preview: DiscoveryPreview } | { state: 'failed'; error: string };

const debounceMs = 300;

/** The body both the preview and the run get, or the problems with what was typed. */
function describeRun(fields: Fields, repo: RepoChoice | undefined) {
  const context = parsePairs(pairItems(fields.context, 'spaces'), 'context');
  const environment = parsePairs(pairItems(fields.environment, 'lines'), 'environment');
  const issues: FieldIssue[] = [...context.issues, ...environment.issues];
  const refOverride = repo?.url && fields.ref.trim() && fields.ref.trim() !== repo.ref ? fields.ref.trim() : undefined;
  return {
    issues,
    refOverride,
    common: {
      plan: fields.plan.trim(),
      context: context.values,
      platforms: fields.platforms,
    },
    names: pairItems(fields.names, 'lines'),
    excludes: pairItems(fields.excludes, 'lines'),
    environment: environment.values,
  };
}

export function NewRunForm({
  teamSlug,
  repos,
  platforms,
  preset,
}: {
  teamSlug: string;
  repos: RepoChoice[];
  platforms: { id: string; name: string; kind: string }[];
  preset: { repoId?: string; plan?: string; ref?: string; platformId?: string };
}) {
  const router = useRouter();
  const { call, error, busy } = useApi();
  const initialRepo = repos.find((repo) => repo.id === preset.repoId) ?? repos[0]!;
  const [fields, setFields] = useState<Fields>({
    repoId: initialRepo.id,
    ref: preset.ref ?? initialRepo.ref ?? '',
    plan: preset.plan ?? '',
    names: '',
    excludes: '',
    context: '',
    platforms: platforms.filter((platform) => platforms.length === 1 || platform.id === preset.platformId).map((platform) => platform.id),
    reruns: 2,
    environment: '',
  });
  const [plans, setPlans] = useState<string[]>([]);
  const [preview, setPreview] = useState<Preview>({ state: 'idle' });
  const repo = repos.find((choice) => choice.id === fields.repoId);
  const described = describeRun(fields, repo);
  const api = `/api/v1/teams/${teamSlug}`;

  const set = <Key extends keyof Fields>(key: Key, value: Fields[Key]) => setFields((current) => ({ ...current, [key]: value }));

  // The plans of the chosen repository and ref, for the plan field's suggestions.
  useEffect(() => {
    const abort = new AbortController();
    const query = described.refOverride ? `?${new URLSearchParams({ ref: described.refOverride })}` : '';
    fetch(`${api}/repos/${fields.repoId}/metadata${query}`, { signal: abort.signal })
      .then((response) => (response.ok ? (response.json() as Promise<{ plans: { name: string }[] }>) : { plans: [] }))
      .then((metadata) => setPlans(metadata.plans.map((plan) => plan.name)))
      .catch(() => {
        if (!abort.signal.aborted) setPlans([]);
      });
    return () => abort.abort();
  }, [api, fields.repoId, described.refOverride]);

  // The live count: asked again a moment after the fields stop changing; an answer to stale fields is dropped.
  const previewBody = JSON.stringify({
    repoId: fields.repoId,
    ...(described.refOverride ? { ref: described.refOverride } : {}),
    ...described.common,
    names: described.names,
    excludes: described.excludes,
  });
  useEffect(() => {
    if (!described.common.plan || described.issues.length) {
      setPreview({ state: 'idle' });
      return;
    }
    const abort = new AbortController();
    const countTests = async () => {
      setPreview({ state: 'counting' });
      try {
        const response = await fetch(`${api}/discovery`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: previewBody,
          signal: abort.signal,
        });
        const payload = (await response.json()) as DiscoveryPreview | { error: string; issues?: FieldIssue[] };
        setPreview(
          'error' in payload
            ? { state: 'failed', error: payload.issues?.map((issue) => `${issue.path}: ${issue.message}`).join('; ') || payload.error }
            : { state: 'done', preview: payload },
        );
      } catch (failure) {
        if (!abort.signal.aborted) setPreview({ state: 'failed', error: messageOf(failure) });
      }
    };
    const timer = setTimeout(() => void countTests(), debounceMs);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [api, previewBody, described.common.plan, described.issues.length]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (described.issues.length || !repo) return;
    const body = {
      // A stored repository runs at its own ref; another ref is a run of its URL at that ref.
      ...(described.refOverride && repo.url ? { url: repo.url, ref: described.refOverride } : { repoId: repo.id }),
      ...described.common,
      filters: { names: described.names, excludes: described.excludes },
      reruns: fields.reruns,
      environment: described.environment,
    };
    const created = await call<{ number: number }>('POST', `${api}/runs`, body);
    if (created) router.push(`/t/${teamSlug}/runs/${created.number}`);
  }

  return (
    <form onSubmit={(event) => void submit(event)} className="space-y-4" data-testid="new-run-form">
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Repository">
          <select
            value={fields.repoId}
            onChange={(event) => {
              const next = repos.find((choice) => choice.id === event.target.value);
              setFields((current) => ({ ...current, repoId: event.target.value, ref: next?.ref ?? '' }));
            }}
            className="input"
          >
            {repos.map((choice) => (
              <option key={choice.id} value={choice.id}>
                {choice.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Ref">
          <input
            value={repo?.url ? fields.ref : ''}
            onChange={(event) => set('ref', event.target.value)}
            disabled={!repo?.url}
            placeholder={repo?.url ? 'default branch' : 'a server-side folder has no refs'}
            className="input"
          />
        </Field>
      </div>
      <Field label="Plan">
        <input
          value={fields.plan}
          onChange={(event) => set('plan', event.target.value)}
          list="plans"
          required
          placeholder="/plans/smoke"
          className="input font-mono text-xs"
        />
        <datalist id="plans">
          {plans.map((plan) => (
            <option key={plan} value={plan} />
          ))}
        </datalist>
      </Field>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Test names (regular expressions, one per line)">
          <textarea
            value={fields.names}
            onChange={(event) => set('names', event.target.value)}
            rows={2}
            className="input font-mono text-xs"
          />
        </Field>
        <Field label="Excludes (regular expressions, one per line)">
          <textarea
            value={fields.excludes}
            onChange={(event) => set('excludes', event.target.value)}
            rows={2}
            className="input font-mono text-xs"
          />
        </Field>
      </div>
      <Field label="fmf context (key=value …, added to each platform's)">
        <input
          value={fields.context}
          onChange={(event) => set('context', event.target.value)}
          placeholder="distro=fedora-41"
          className="input font-mono text-xs"
        />
      </Field>
      <fieldset className="text-sm">
        <legend className="mb-1 font-medium text-slate-700">Platforms</legend>
        <div className="flex flex-wrap gap-x-4 gap-y-1">
          {platforms.map((platform) => (
            <label key={platform.id} className="flex items-center gap-2">
              <input
                type="checkbox"
                checked={fields.platforms.includes(platform.id)}
                onChange={(event) =>
                  set(
                    'platforms',
                    event.target.checked ? [...fields.platforms, platform.id] : fields.platforms.filter((id) => id !== platform.id),
                  )
                }
              />
              {platform.name} <span className="text-xs text-slate-500">{platform.kind}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="grid gap-3 sm:grid-cols-[8rem_1fr]">
        <Field label="Reruns">
          <input
            type="number"
            min={0}
            max={20}
            value={fields.reruns}
            onChange={(event) => set('reruns', Number(event.target.value))}
            className="input"
          />
        </Field>
        <Field label="Environment (KEY=VALUE, one per line)">
          <textarea
            value={fields.environment}
            onChange={(event) => set('environment', event.target.value)}
            rows={2}
            className="input font-mono text-xs"
          />
        </Field>
      </div>
      <ErrorNote error={described.issues.length ? described.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ') : null} />
      <LiveCount preview={preview} />
      <button className="btn" disabled={busy || described.issues.length > 0}>
        Start run
      </button>
      <ErrorNote error={error} />
    </form>
  );
}

function LiveCount({ preview }: { preview: Preview }) {
  return (
    <div className="rounded-md bg-slate-50 p-3 text-sm" data-testid="live-count" aria-live="polite">
      {preview.state === 'idle' && <span className="text-slate-500">Pick a plan to see how many tests will run.</span>}
      {preview.state === 'counting' && <span className="text-slate-500">Counting…</span>}
      {preview.state === 'failed' && <span className="text-red-700">{preview.error}</span>}
      {preview.state === 'done' && (
        <>
          <p>
            <strong data-testid="test-total">{preview.preview.count}</strong> {preview.preview.count === 1 ? 'test' : 'tests'} selected
            {preview.preview.commit && <span className="text-slate-500"> at commit {preview.preview.commit.slice(0, 12)}</span>}
          </p>
          {preview.preview.platforms.length > 0 && (
            <ul className="mt-1 text-xs text-slate-600">
              {preview.preview.platforms.map((platform) => (
                <li key={platform.id} data-testid={`platform-count-${platform.name}`}>
                  {platform.name}: {platform.count}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}
