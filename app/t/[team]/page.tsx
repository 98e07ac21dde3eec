import { db } from '@/lib/db/client';
import { listRecentRuns } from '@/lib/runs/recent';
import { requireTeamPage } from '../../_lib/session';

export default async function DashboardPage({ params }: { params: Promise<{ team: string }> }) {
  const { actor, team } = await requireTeamPage((await params).team);
  const runs = await listRecentRuns(db(), actor, team.slug);
  return (
    <section className="card">
      <h2 className="mb-3 font-semibold">Recent runs</h2>
      {runs.length === 0 ? (
        <p className="text-sm text-slate-600" data-testid="no-runs">
          No runs yet. Add a platform and a repository, then start a run.
        </p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>#</th>
              <th>Plan</th>
              <th>Status</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.id}>
                <td>{run.number}</td>
                <td>{run.plan}</td>
                <td>{run.status}</td>
                <td>{(run.startedAt ?? run.createdAt).toISOString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
