import Link from 'next/link';
import { db } from '@/lib/server/db/client';
import { auditPage } from '@/lib/server/audit/audit-query';
import { hasRole } from '@/lib/shared/roles';
import { requireTeamPage } from '../../../../_lib/session';

const pageSize = 50;

export default async function AuditPage({
  params,
  searchParams,
}: {
  params: Promise<{ team: string }>;
  searchParams: Promise<{ before?: string }>;
}) {
  const { actor, team, role } = await requireTeamPage((await params).team);
  if (!hasRole(role, 'admin')) return <p className="card text-sm">Only admins read the audit log.</p>;
  const { before } = await searchParams;
  const entries = await auditPage(db(), actor, team.slug, { limit: String(pageSize), ...(before ? { before } : {}) });
  return (
    <section className="card">
      <h2 className="mb-3 font-semibold">Audit log</h2>
      {entries.length === 0 && <p className="text-sm text-slate-500">Nothing recorded{before ? ' before this' : ''}.</p>}
      <table className="table" data-testid="audit">
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id} data-testid="audit-entry">
              <td className="text-xs whitespace-nowrap">{entry.createdAt.toISOString().replace('T', ' ').slice(0, 19)}</td>
              <td>{entry.actor?.name ?? 'system'}</td>
              <td className="font-mono text-xs">{entry.action}</td>
              <td className="max-w-md truncate font-mono text-xs text-slate-500" title={JSON.stringify(entry.details)}>
                {JSON.stringify(entry.details)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length === pageSize && (
        <Link className="btn-quiet mt-3" href={`?before=${entries.at(-1)!.id}`}>
          Older
        </Link>
      )}
    </section>
  );
}
