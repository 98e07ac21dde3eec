import Link from 'next/link';
import { notFound } from 'next/navigation';
import { db } from '@/lib/server/db/client';
import { AppError } from '@/lib/server/errors';
import { pairItems } from '@/lib/shared/context-pairs';
import { readRepoMetadata, type RepoMetadata } from '@/lib/server/repos/discovery';
import { getRepo } from '@/lib/server/repos/repos';
import { exampleRepoUrl } from '@/lib/server/example/example';
import { ErrorNote } from '../../../../_components/error-note';
import { Field } from '../../../../_components/field';
import { requireTeamPage } from '../../../../_lib/session';

type SearchParams = { ref?: string; context?: string };

/** A repository's plans and tests as fmf resolves them, for a ref and an fmf context given in the URL (so a view can be shared). */
export default async function RepoPage({
  params,
  searchParams,
}: {
  params: Promise<{ team: string; id: string }>;
  searchParams: Promise<SearchParams>;
}) {
  const { team: slug, id } = await params;
  const { ref, context = '' } = await searchParams;
  const { actor, team } = await requireTeamPage(slug);
  const repo = await getRepo(db(), actor, team.slug, id).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'not-found') notFound();
    throw error;
  });
  let metadata: RepoMetadata | null = null;
  let problem: string | null = null;
  try {
    metadata = await readRepoMetadata(db(), actor, team.slug, repo.id, { ref: ref || undefined, context: pairItems(context, 'spaces') });
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    problem = error.message;
  }

  return (
    <div className="space-y-6">
      <section className="card">
        <h2 className="mb-1 font-semibold">Repository {repo.name}</h2>
        <p className="mb-3 font-mono text-xs text-slate-600">
          {repo.url === exampleRepoUrl
            ? 'the example shipped with Testyard'
            : repo.url
              ? `${repo.url} @ ${repo.ref ?? 'default branch'}`
              : `${repo.path} (server-side folder)`}
          {metadata?.commit && <span data-testid="repo-commit"> · commit {metadata.commit.slice(0, 12)}</span>}
        </p>
        <form className="flex flex-wrap items-end gap-3" data-testid="preview-form">
          {repo.url && repo.url !== exampleRepoUrl && (
            <Field label="Ref">
              <input name="ref" defaultValue={ref} placeholder={repo.ref ?? 'default branch'} className="input" />
            </Field>
          )}
          <div className="min-w-64 flex-1">
            <Field label="fmf context (key=value …)">
              <input name="context" defaultValue={context} placeholder="distro=fedora-41 arch=x86_64" className="input font-mono text-xs" />
            </Field>
          </div>
          <button className="btn">Preview</button>
        </form>
        <ErrorNote error={problem} />
      </section>

      {metadata && (
        <>
          <section className="card">
            <h3 className="mb-3 font-semibold">Plans ({metadata.plans.length})</h3>
            <table className="table">
              <tbody>
                {metadata.plans.map((plan) => (
                  <tr key={plan.name} data-testid={`plan-${plan.name}`}>
                    <td className="font-mono text-xs">{plan.name}</td>
                    <td>{plan.summary}</td>
                    <td className="text-right">
                      <Link
                        className="btn-quiet"
                        href={`/t/${team.slug}/runs/new?${new URLSearchParams({ repo: repo.id, plan: plan.name, ...(ref ? { ref } : {}) })}`}
                      >
                        Run…
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section className="card">
            <h3 className="mb-3 font-semibold" data-testid="test-count">
              Tests ({metadata.tests.length})
            </h3>
            <table className="table">
              <thead>
                <tr>
                  <th>Test</th>
                  <th>Duration</th>
                  <th>Tags</th>
                  <th>Requires</th>
                </tr>
              </thead>
              <tbody>
                {metadata.tests.map((test) => (
                  <tr key={test.name} data-testid={`test-${test.name}`}>
                    <td>
                      <details>
                        <summary className="cursor-pointer font-mono text-xs">{test.name}</summary>
                        {test.summary && <p className="mt-1 text-sm">{test.summary}</p>}
                        <pre className="mt-2 max-w-xl overflow-x-auto rounded bg-slate-50 p-2 text-xs">
                          {JSON.stringify(test.metadata, null, 2)}
                        </pre>
                      </details>
                    </td>
                    <td>{test.duration}</td>
                    <td className="text-xs">{test.tags.join(', ')}</td>
                    <td className="font-mono text-xs">{test.require.join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </div>
  );
}
