import Link from 'next/link';
import type { Actor } from '@/lib/server/access/actor';
import { runFailureGroups } from '@/lib/server/compare/signatures';
import { db } from '@/lib/server/db/client';
import { resultPath } from '@/lib/shared/result-paths';

/** A run's failures grouped by cause (signature), largest group first, each with its example's evidence. */
export async function FailureGroups({ actor, team, runNumber }: { actor: Actor; team: string; runNumber: number }) {
  const { failures, causes, groups } = await runFailureGroups(db(), actor, team, String(runNumber), {});
  if (failures === 0) return null;
  return (
    <section className="card" data-testid="failure-groups">
      <h2 className="mb-2 font-semibold" data-testid="failure-groups-summary">
        {failures} {failures === 1 ? 'failure' : 'failures'}, {causes} {causes === 1 ? 'cause' : 'causes'}
      </h2>
      <ul className="space-y-3">
        {groups.map((group) => (
          <li key={group.signature} data-testid="failure-group" data-signature={group.signature}>
            <div className="flex flex-wrap items-baseline gap-2 text-sm">
              <span className="font-semibold" data-testid="failure-group-count">
                {group.count}×
              </span>
              {group.signature === 'none' ? (
                <span className="text-slate-500">stored before signatures existed</span>
              ) : (
                <Link className="font-mono text-xs text-indigo-700 hover:underline" href={`/t/${team}/signatures/${group.signature}`}>
                  {group.signature}
                </Link>
              )}
              <span className="text-slate-500">e.g.</span>
              <Link
                className="text-indigo-700 hover:underline"
                href={resultPath(team, group.example.runNumber, group.example.platform, group.example.testName)}
              >
                {group.example.testName}
              </Link>
              <span className="text-xs text-slate-500">on {group.example.platform}</span>
            </div>
            {group.explanation && group.explanation.lines.length > 0 && (
              <pre className="mt-1 overflow-auto rounded bg-slate-50 p-2 text-xs text-slate-700" data-testid="failure-group-evidence">
                {group.explanation.lines.map((line) => line.text).join('\n')}
              </pre>
            )}
          </li>
        ))}
      </ul>
      {groups.length < causes && (
        <p className="mt-2 text-xs text-slate-500">
          The {groups.length} largest of {causes} causes.
        </p>
      )}
    </section>
  );
}
