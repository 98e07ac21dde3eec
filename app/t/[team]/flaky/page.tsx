import Link from 'next/link';
import { db } from '@/lib/server/db/client';
import { listFlakiestTests } from '@/lib/server/history/flakiness';
import { flakinessWindow } from '@/lib/shared/flakiness';
import { testHistoryPath } from '@/lib/shared/result-paths';
import { StatusBadge } from '../../../_components/run/status-badge';
import { requireTeamPage } from '../../../_lib/session';

const letterColours: Record<string, string> = { p: 'bg-green-500', f: 'bg-red-500', s: 'bg-slate-300', e: 'bg-orange-500' };
const letterNames: Record<string, string> = { p: 'passed', f: 'failed', s: 'skipped', e: 'infrastructure error' };

/** A test's last runs as small cells, flaky ones in amber. */
function OutcomeStrip({ recent }: { recent: string }) {
  return (
    <span className="flex gap-px" aria-label={`last runs, oldest first: ${recent}`}>
      {[...recent].map((letter, index) => {
        const flaky = letter !== letter.toLowerCase();
        const plain = letter.toLowerCase();
        return (
          <span
            key={index}
            className={`inline-block h-3.5 w-1.5 rounded-sm ${flaky ? 'bg-amber-400' : (letterColours[plain] ?? 'bg-slate-400')}`}
            title={`${letterNames[plain] ?? plain}${flaky ? ', flaky' : ''}`}
          />
        );
      })}
    </span>
  );
}

/** The team's flakiest tests per platform, from the summary the worker keeps. */
export default async function FlakyTestsPage({ params }: { params: Promise<{ team: string }> }) {
  const { actor, team } = await requireTeamPage((await params).team);
  const tests = await listFlakiestTests(db(), actor, team.slug, {});
  return (
    <section className="card">
      <h2 className="font-semibold">Flakiest tests</h2>
      <p className="mb-3 text-sm text-slate-600">
        A run counts as flaky for a test when the test failed and then passed on a rerun in that run, or when its outcome differs from the
        previous run&apos;s at the same commit. Scores cover each test&apos;s last {flakinessWindow} runs on a platform.
      </p>
      {tests.length === 0 ? (
        <p className="text-sm text-slate-500" data-testid="flaky-empty">
          No flaky tests.
        </p>
      ) : (
        <table className="table" data-testid="flaky-tests">
          <thead>
            <tr>
              <th>Test</th>
              <th>Platform</th>
              <th>Flaky</th>
              <th>Last runs (oldest first)</th>
              <th>Last</th>
            </tr>
          </thead>
          <tbody>
            {tests.map((test) => (
              <tr key={`${test.platform}:${test.testName}`} data-testid="flaky-test" data-test={test.testName}>
                <td className="font-mono text-xs">
                  <Link className="text-indigo-700 hover:underline" href={testHistoryPath(team.slug, test.platform, test.testName)}>
                    {test.testName}
                  </Link>
                </td>
                <td className="text-xs">{test.platform}</td>
                <td className="text-xs whitespace-nowrap">
                  {test.flaky} of last {test.of} ({Math.round(test.score * 100)}%)
                </td>
                <td>
                  <OutcomeStrip recent={test.recent} />
                </td>
                <td className="text-xs whitespace-nowrap">
                  <StatusBadge status={test.lastStatus} />{' '}
                  <Link className="hover:underline" href={`/t/${team.slug}/runs/${test.lastRunNumber}`}>
                    #{test.lastRunNumber}
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
