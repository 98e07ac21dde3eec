import Link from 'next/link';
import { notFound } from 'next/navigation';
import { signatureOccurrences } from '@/lib/server/compare/signatures';
import { db } from '@/lib/server/db/client';
import { AppError } from '@/lib/server/errors';
import { SignatureEvidence } from '../../../../_components/compare/signature-explanation';
import { resultPath } from '@/lib/shared/result-paths';
import { StatusBadge } from '../../../../_components/run/status-badge';
import { requireTeamPage } from '../../../../_lib/session';

/** One failure signature across the team's runs: its evidence, and how often it occurred in which run. */
export default async function SignaturePage({ params }: { params: Promise<{ team: string; signature: string }> }) {
  const { team: slug, signature } = await params;
  const { actor, team } = await requireTeamPage(slug);
  const found = await signatureOccurrences(db(), actor, team.slug, signature, {}).catch((error: unknown) => {
    if (error instanceof AppError && (error.code === 'not-found' || error.code === 'invalid')) notFound();
    throw error;
  });
  return (
    <div className="space-y-4">
      <section className="card">
        <h2 className="text-lg font-semibold">
          Failure signature <span className="font-mono">{found.signature}</span>
        </h2>
        <p className="mt-1 text-sm text-slate-600" data-testid="signature-counts">
          {found.failures} {found.failures === 1 ? 'failure' : 'failures'} in {found.runs} {found.runs === 1 ? 'run' : 'runs'}
        </p>
        {found.explanation && (
          <div className="mt-3">
            <h3 className="mb-1 text-sm font-semibold">Evidence of the newest failure</h3>
            <SignatureEvidence explanation={found.explanation} />
          </div>
        )}
      </section>
      <section className="card">
        <h2 className="mb-2 font-semibold">Runs</h2>
        <table className="table text-sm" data-testid="signature-runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Status</th>
              <th>Failures</th>
              <th>Example</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {found.occurrences.map((occurrence) => (
              <tr key={occurrence.runNumber} data-testid="signature-run">
                <td>
                  <Link className="text-indigo-700 hover:underline" href={`/t/${team.slug}/runs/${occurrence.runNumber}`}>
                    #{occurrence.runNumber}
                  </Link>
                </td>
                <td>
                  <StatusBadge status={occurrence.runStatus} />
                </td>
                <td>{occurrence.count}</td>
                <td>
                  <Link
                    className="font-mono text-xs text-indigo-700 hover:underline"
                    href={resultPath(team.slug, occurrence.runNumber, occurrence.example.platform, occurrence.example.testName)}
                  >
                    {occurrence.example.testName}
                  </Link>{' '}
                  <span className="text-xs text-slate-500">{occurrence.example.platform}</span>
                </td>
                <td className="text-xs text-slate-500">{occurrence.createdAt.replace('T', ' ').slice(0, 19)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
