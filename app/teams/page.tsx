import Link from 'next/link';
import { db } from '@/lib/server/db/client';
import { listMyTeams } from '@/lib/server/teams/teams';
import { requireActor } from '../_lib/session';
import { CreateTeamForm } from './create-team-form';

export default async function TeamsPage() {
  const teams = await listMyTeams(db(), await requireActor());
  return (
    <div className="grid gap-6 md:grid-cols-2">
      <section className="card">
        <h1 className="mb-3 text-lg font-semibold">Your teams</h1>
        {teams.length === 0 ? (
          <p className="text-sm text-slate-600">You are in no team yet. Create one, or open an invitation link.</p>
        ) : (
          <ul className="divide-y divide-slate-100">
            {teams.map((team) => (
              <li key={team.id} className="flex items-center py-2">
                <Link href={`/t/${team.slug}`} className="font-medium text-indigo-700">
                  {team.name}
                </Link>
                <span className="ml-auto text-xs text-slate-500">{team.role}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card">
        <h2 className="mb-3 text-lg font-semibold">New team</h2>
        <CreateTeamForm />
      </section>
    </div>
  );
}
