import { hasRole } from '@/lib/access/roles';
import { db } from '@/lib/db/client';
import { listRepos } from '@/lib/repos/repos';
import { DeleteButton } from '../../../_components/delete-button';
import { requireTeamPage } from '../../../_lib/session';
import { RepoForm } from './repo-form';

export default async function ReposPage({ params }: { params: Promise<{ team: string }> }) {
  const { actor, team, role } = await requireTeamPage((await params).team);
  const isAdmin = hasRole(role, 'admin');
  const repos = await listRepos(db(), actor, team.slug);
  return (
    <div className="grid gap-6 md:grid-cols-[2fr_1fr]">
      <section className="card">
        <h2 className="mb-3 font-semibold">Test repositories</h2>
        {repos.length === 0 ? (
          <p className="text-sm text-slate-600">No repositories yet.</p>
        ) : (
          <table className="table">
            <tbody>
              {repos.map((repo) => (
                <tr key={repo.id}>
                  <td className="font-medium">{repo.name}</td>
                  <td className="font-mono text-xs">{repo.url ?? repo.path}</td>
                  <td>{repo.ref}</td>
                  <td className="text-right">{isAdmin && <DeleteButton url={`/api/v1/teams/${team.slug}/repos/${repo.id}`} what={`repository ${repo.name}`} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {isAdmin && (
        <section className="card">
          <h2 className="mb-3 font-semibold">Add a repository</h2>
          <RepoForm teamSlug={team.slug} />
        </section>
      )}
    </div>
  );
}
