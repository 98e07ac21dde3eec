import Link from 'next/link';
import { hasRole } from '@/lib/shared/roles';
import { db } from '@/lib/server/db/client';
import { listSystemHealth } from '@/lib/server/history/system-health';
import { requireTeamPage } from '../../../_lib/session';
import { RestoreButton } from './restore-button';

/** Systems whose set-ups or tests keep failing for infrastructure reasons, and the SSH hosts taken out of their pools for it. */
export default async function SystemsPage({ params }: { params: Promise<{ team: string }> }) {
  const { actor, team, role } = await requireTeamPage((await params).team);
  const systems = await listSystemHealth(db(), actor, team.slug);
  const isAdmin = hasRole(role, 'admin');
  return (
    <section className="card">
      <h2 className="font-semibold">Infrastructure health</h2>
      <p className="mb-3 text-sm text-slate-600">
        Failures here are the infrastructure&apos;s, not the tests&apos;: a system that could not be provisioned or set up, lost its
        connection during a test, or did not come back from a test&apos;s reboot. A test that fails, runs out of time or writes a bad
        control line is the test&apos;s own failure and does not count. An SSH pool with <code>quarantineAfter</code> set takes a host out
        of the pool after that many in a row.
      </p>
      {systems.length === 0 ? (
        <p className="text-sm text-slate-500" data-testid="systems-empty">
          No infrastructure failures recorded.
        </p>
      ) : (
        <table className="table" data-testid="systems">
          <thead>
            <tr>
              <th>System</th>
              <th>Platform</th>
              <th>In a row</th>
              <th>Failed / succeeded</th>
              <th>Last error</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {systems.map((system) => (
              <tr key={system.id} data-testid="system" data-system={system.system}>
                <td className="font-mono text-xs">{system.system}</td>
                <td className="text-xs">
                  <Link className="text-indigo-700 hover:underline" href={`/t/${team.slug}/platforms/${system.platform.id}`}>
                    {system.platform.name}
                  </Link>
                </td>
                <td>
                  {system.consecutiveFailures}
                  {system.quarantineAfter !== null && <span className="text-xs text-slate-500"> / {system.quarantineAfter}</span>}
                </td>
                <td className="text-xs">
                  {system.failures} / {system.successes}
                </td>
                <td className="max-w-md text-xs break-words text-slate-600">
                  {system.lastError}
                  {system.lastFailureAt && (
                    <span className="block text-slate-400">{system.lastFailureAt.toISOString().slice(0, 16).replace('T', ' ')}</span>
                  )}
                </td>
                <td className="text-xs">
                  {system.quarantinedAt ? (
                    <span className="flex flex-col items-start gap-1">
                      <span className="rounded bg-red-100 px-1.5 py-0.5 text-red-800" data-testid="quarantined">
                        quarantined
                      </span>
                      {isAdmin && <RestoreButton url={`/api/v1/teams/${team.slug}/systems/${system.id}/restore`} system={system.system} />}
                    </span>
                  ) : (
                    'in service'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
