import Link from 'next/link';
import { hasRole } from '@/lib/shared/roles';
import { db } from '@/lib/server/db/client';
import { exampleRepoUrl } from '@/lib/server/example/example';
import { listRepos } from '@/lib/server/repos/repos';
import { DeleteButton } from '../../../_components/delete-button';
import { ResourceLayout } from '../../../_components/resource-layout';
import { requireTeamPage } from '../../../_lib/session';
import { RepoForm } from './repo-form';

export default async function ReposPage({ params }: { params: Promise<{ team: string }> }) {
  const { actor, team, role } = await requireTeamPage((await params).team);
  const isAdmin = hasRole(role, 'admin');
  const repos = await listRepos(db(), actor, team.slug);
  return (
    <ResourceLayout
      title="Test repositories"
      empty="No repositories yet."
      isEmpty={repos.length === 0}
      side={isAdmin ? { title: 'Add a repository', content: <RepoForm teamSlug={team.slug} /> } : null}
    >
      <table className="table">
        <tbody>
          {repos.map((repo) => (
            <tr key={repo.id} data-testid={`repo-${repo.name}`}>
              <td className="font-medium">
                <Link href={`/t/${team.slug}/repos/${repo.id}`} className="text-indigo-700 hover:underline">
                  {repo.name}
                </Link>
              </td>
              <td className="font-mono text-xs">
                {repo.url === exampleRepoUrl ? 'the example shipped with Testyard' : (repo.url ?? repo.path)}
              </td>
              <td>{repo.ref}</td>
              <td className="text-right">
                {isAdmin && <DeleteButton url={`/api/v1/teams/${team.slug}/repos/${repo.id}`} what={`repository ${repo.name}`} />}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ResourceLayout>
  );
}
