import Link from 'next/link';
import { hasRole } from '@/lib/shared/roles';
import { listRunOverviews } from '@/lib/server/dashboard/run-summaries';
import { db } from '@/lib/server/db/client';
import { exampleImage } from '@/lib/server/config';
import { platformKindAvailability } from '@/lib/server/health/heartbeat';
import { requireTeamPage } from '../../_lib/session';
import { ExampleOffer } from './example-offer';
import { LiveRuns } from './live-runs';

export default async function DashboardPage({ params }: { params: Promise<{ team: string }> }) {
  const { actor, team, role } = await requireTeamPage((await params).team);
  const runs = await listRunOverviews(db(), actor, team.slug);
  const offerExample = runs.length === 0 && hasRole(role, 'admin');
  const containers = offerExample ? ((await platformKindAvailability(db())).get('container') ?? null) : null;
  return (
    <section className="card">
      <div className="mb-3 flex items-baseline justify-between">
        <h2 className="font-semibold">Recent runs</h2>
        {hasRole(role, 'member') && (
          <Link href={`/t/${team.slug}/runs/new`} className="btn">
            New run
          </Link>
        )}
      </div>
      <LiveRuns
        teamSlug={team.slug}
        teamId={team.id}
        initial={runs.map((run) => ({
          ...run,
          createdAt: run.createdAt.toISOString(),
          startedAt: run.startedAt?.toISOString() ?? null,
          finishedAt: run.finishedAt?.toISOString() ?? null,
        }))}
      />
      {offerExample && <ExampleOffer teamSlug={team.slug} image={exampleImage()} containersUnavailable={containers} />}
    </section>
  );
}
