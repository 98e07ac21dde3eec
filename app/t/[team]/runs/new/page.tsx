import { hasRole } from '@/lib/shared/roles';
import { db } from '@/lib/server/db/client';
import { listPlatforms } from '@/lib/server/platforms/platforms';
import { listRepos } from '@/lib/server/repos/repos';
import { requireTeamPage } from '../../../../_lib/session';
import { NewRunForm } from './new-run-form';

type SearchParams = { repo?: string; plan?: string; ref?: string; platform?: string };

export default async function NewRunPage({
  params,
  searchParams,
}: {
  params: Promise<{ team: string }>;
  searchParams: Promise<SearchParams>;
}) {
  const { actor, team, role } = await requireTeamPage((await params).team);
  const preset = await searchParams;
  const [repos, platforms] = await Promise.all([listRepos(db(), actor, team.slug), listPlatforms(db(), actor, team.slug)]);
  return (
    <section className="card max-w-3xl">
      <h2 className="mb-3 font-semibold">New run</h2>
      {!hasRole(role, 'member') ? (
        <p className="text-sm text-slate-600" data-testid="run-member-only">
          Viewers cannot start runs; ask a team admin for the member role.
        </p>
      ) : repos.length === 0 || platforms.length === 0 ? (
        <p className="text-sm text-slate-600" data-testid="run-needs-setup">
          A run needs a repository and a platform: add them first.
        </p>
      ) : (
        <NewRunForm
          teamSlug={team.slug}
          repos={repos.map(({ id, name, url, ref }) => ({ id, name, url, ref }))}
          platforms={platforms.map(({ id, name, config }) => ({ id, name, kind: config.kind }))}
          preset={{ repoId: preset.repo, plan: preset.plan, ref: preset.ref, platformId: preset.platform }}
        />
      )}
    </section>
  );
}
