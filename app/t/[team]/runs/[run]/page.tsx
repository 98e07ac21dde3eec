import { notFound } from 'next/navigation';
import { Suspense } from 'react';
import { hasRole } from '@/lib/shared/roles';
import { db } from '@/lib/server/db/client';
import { AppError } from '@/lib/server/errors';
import { getRun } from '@/lib/server/runs/details';
import { stateFromDetails } from '@/lib/shared/live-state';
import { liveStateSnapshot } from '@/lib/server/runs/live-state-snapshot';
import { listMembers } from '@/lib/server/teams/members';
import { rooms } from '@/lib/shared/rooms';
import { Comments } from '../../../../_components/collab/comments';
import { PagePresence } from '../../../../_components/collab/page-presence';
import { runApiPath } from '@/lib/shared/result-paths';
import { RunView } from '../../../../_components/run/run-view';
import { FailureGroups } from '../../../../_components/compare/failure-groups';
import { requireTeamPage } from '../../../../_lib/session';

export default async function RunPage({ params }: { params: Promise<{ team: string; run: string }> }) {
  const { team: slug, run: runRef } = await params;
  const { actor, team, role } = await requireTeamPage(slug);
  const run = await getRun(db(), actor, team.slug, runRef).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'not-found') notFound();
    throw error;
  });
  const snapshot = {
    ...run,
    createdAt: run.createdAt.toISOString(),
    platforms: run.platforms.map(({ name, status, tests, waitingReason, plannedTests }) => ({
      name,
      status,
      tests,
      waitingReason,
      plannedTests,
    })),
  };
  const active = run.status === 'queued' || run.status === 'running';
  const live = active ? await liveStateSnapshot(db(), run.id, stateFromDetails(run)) : null;
  const members = await listMembers(db(), actor, team.slug);
  const pageRoom = rooms.page(run.id);
  return (
    <div className="space-y-4">
      <PagePresence room={pageRoom} currentUserId={actor.userId} showSelections={false} />
      {/* The results table reads its filters from the URL. */}
      <Suspense>
        <RunView team={team.slug} run={snapshot} live={live} canRun={hasRole(role, 'member')} />
      </Suspense>
      <Comments
        api={`${runApiPath(team.slug, run.number)}/comments`}
        room={pageRoom}
        currentUserId={actor.userId}
        canComment={hasRole(role, 'member')}
        canModerate={hasRole(role, 'admin')}
        members={members.map(({ userId, name }) => ({ userId, name }))}
      />
      <FailureGroups actor={actor} team={team.slug} runNumber={run.number} />
    </div>
  );
}
