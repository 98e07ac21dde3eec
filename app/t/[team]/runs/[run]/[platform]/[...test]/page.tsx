import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Suspense } from 'react';
import { db } from '@/lib/server/db/client';
import { AppError } from '@/lib/server/errors';
import { fileKind } from '@/lib/server/logs/file-kinds';
import { getTestAttempts, type AttemptDetails } from '@/lib/server/results/test-attempts';
import { getTestMetadata } from '@/lib/server/results/test-metadata';
import { listMembers } from '@/lib/server/teams/members';
import { hasRole } from '@/lib/shared/roles';
import { rooms } from '@/lib/shared/rooms';
import { BugReportButton } from '../../../../../../_components/collab/bug-report-button';
import { Comments } from '../../../../../../_components/collab/comments';
import { PagePresence } from '../../../../../../_components/collab/page-presence';
import { resultSignature } from '@/lib/server/compare/signatures';
import { SignatureEvidence } from '../../../../../../_components/compare/signature-explanation';
import { formatBytes } from '../../../../../../_components/run/format-bytes';
import { LogViewer } from '../../../../../../_components/run/log-viewer';
import { resultPath, runApiPath, testHistoryPath } from '@/lib/shared/result-paths';
import { StatusBadge } from '../../../../../../_components/run/status-badge';
import { requireTeamPage } from '../../../../../../_lib/session';
import { failureStatuses } from '@/lib/shared/triage';
import { triageOf } from '@/lib/server/triage/triage';
import { ResultTriagePanel } from '../../../../../../_components/triage/result-triage-panel';

const filesPrefix = 'files/';

/** The file shown when the URL names none: the test's output, else its first text file. */
function defaultFile(attempt: AttemptDetails): string | undefined {
  const own = attempt.results.findLast((result) => result.name === null);
  const testout = own?.extra && typeof own.extra === 'object' && 'testout' in own.extra ? String(own.extra.testout) : 'output.txt';
  const files = attempt.files.map((file) => file.path);
  return files.find((file) => file === `${filesPrefix}${testout}`) ?? files.find((file) => fileKind(file).viewer === 'text');
}

export default async function ResultPage({
  params,
  searchParams,
}: {
  params: Promise<{ team: string; run: string; platform: string; test: string[] }>;
  searchParams: Promise<{ attempt?: string; file?: string }>;
}) {
  const { team: slug, run: runRef, platform, test } = await params;
  const query = await searchParams;
  const { actor, team, role } = await requireTeamPage(slug);
  const testName = `/${test.map(decodeURIComponent).join('/')}`;
  const details = await getTestAttempts(db(), actor, team.slug, runRef, decodeURIComponent(platform), testName).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'not-found') notFound();
    throw error;
  });
  const final = details.attempts.findLast((attempt) => !attempt.superseded) ?? details.attempts.at(-1)!;
  const attempt = details.attempts.find((item) => String(item.number) === query.attempt) ?? final;
  const filePath = query.file !== undefined ? `${filesPrefix}${query.file}` : defaultFile(attempt);
  const file = attempt.files.find((item) => item.path === filePath);
  const own = attempt.results.findLast((result) => result.name === null);
  const subResults = attempt.results.filter((result) => result.name !== null);
  const apiBase = runApiPath(team.slug, details.run.number);
  const link = (options: { attempt?: number; file?: string }) =>
    resultPath(team.slug, details.run.number, details.platform, testName, options);
  const running = attempt.finishedAt === null && !attempt.superseded;
  const members = await listMembers(db(), actor, team.slug);
  const pageRoom = rooms.page(details.run.id, { platform: details.platform, test: testName });
  const shownLog = running
    ? {
        name: 'live output',
        lines: `${apiBase}/live-output/lines`,
        params: { platform: details.platform, test: testName, attempt: String(attempt.number) },
      }
    : file && fileKind(file.path).viewer === 'text'
      ? { name: file.path.slice(filesPrefix.length), lines: `${apiBase}/files/${file.id}/lines` }
      : null;
  const finalOwn = final.results.findLast((result) => result.name === null);
  const triage = finalOwn
    ? (
        await triageOf(db(), { id: details.run.id, teamId: team.id }, [
          { id: BigInt(finalOwn.id), testName, platform: details.platform, status: finalOwn.status },
        ])
      ).get(BigInt(finalOwn.id))!
    : null;
  const signature = own ? await resultSignature(db(), own.id) : null;

  return (
    <div className="space-y-4">
      <section className="card">
        <p className="text-sm text-slate-500">
          <Link className="text-indigo-700 hover:underline" href={`/t/${team.slug}/runs/${details.run.number}`}>
            Run #{details.run.number}
          </Link>{' '}
          › {details.platform} ·{' '}
          <Link
            className="text-indigo-700 hover:underline"
            href={testHistoryPath(team.slug, details.platform, testName)}
            data-testid="test-history-link"
          >
            history of this test
          </Link>
        </p>
        <div className="mt-1 flex flex-wrap items-center gap-3">
          <h2 className="font-mono text-lg font-semibold" data-testid="test-name">
            {testName}
          </h2>
          <span data-testid="result-status">
            <StatusBadge status={own?.status ?? (running ? 'running' : 'error')} />
          </span>
          <span className="ml-auto">
            <BugReportButton
              facts={{
                test: testName,
                platform: details.platform,
                status: own?.status ?? (running ? 'running' : 'error'),
                note: own?.note ?? null,
                runNumber: details.run.number,
                runPath: `/t/${team.slug}/runs/${details.run.number}`,
                attempt: attempt.number,
                attemptPath: link({ attempt: attempt.number }),
                log: shownLog,
              }}
            />
          </span>
        </div>
        <div className="mt-2">
          <PagePresence room={pageRoom} currentUserId={actor.userId} showSelections />
        </div>
        {own?.note && (
          <p className="mt-2 text-sm" data-testid="result-note">
            {own.note}
          </p>
        )}
        <nav className="mt-4 flex flex-wrap gap-2 text-sm" aria-label="attempts">
          {details.attempts.map((item) => (
            <Link
              key={item.number}
              href={link({ attempt: item.number })}
              className={`rounded border px-2 py-1 ${item.number === attempt.number ? 'border-indigo-500 bg-indigo-50' : 'border-slate-300'}`}
              data-testid="attempt-link"
            >
              attempt {item.number}
              {item.superseded ? ` — re-run: ${item.rerunReason ?? 'superseded'}` : item.finishedAt ? ' — final' : ' — running'}
            </Link>
          ))}
        </nav>
        <dl className="mt-4 grid grid-cols-[8rem_1fr] gap-x-4 gap-y-1 text-sm">
          <dt className="text-slate-500">System</dt>
          <dd className="font-mono text-xs">{attempt.remote ?? '—'}</dd>
          <dt className="text-slate-500">Exit code</dt>
          <dd>{attempt.exitCode ?? '—'}</dd>
          {attempt.exception && (
            <>
              <dt className="text-slate-500">Exception</dt>
              <dd className="text-red-700">{attempt.exception}</dd>
            </>
          )}
          {attempt.rerunReason && (
            <>
              <dt className="text-slate-500">Re-run because</dt>
              <dd>{attempt.rerunReason}</dd>
            </>
          )}
          <dt className="text-slate-500">Started</dt>
          <dd>{attempt.startedAt.toISOString()}</dd>
          <dt className="text-slate-500">Finished</dt>
          <dd>{attempt.finishedAt?.toISOString() ?? '—'}</dd>
          {own?.extra != null && (
            <>
              <dt className="text-slate-500">Result fields</dt>
              <dd>
                <pre className="overflow-auto text-xs">{JSON.stringify(own.extra, null, 2)}</pre>
              </dd>
            </>
          )}
        </dl>
      </section>

      {finalOwn && triage && (failureStatuses.includes(finalOwn.status) || triage.knownIssues.length > 0) && (
        <ResultTriagePanel
          team={team.slug}
          runNumber={details.run.number}
          runId={details.run.id}
          lastSeq={details.run.lastSeq}
          apiBase={apiBase}
          platform={details.platform}
          testName={testName}
          resultId={finalOwn.id}
          status={finalOwn.status}
          note={finalOwn.note}
          fileLinesApi={file && fileKind(file.path).viewer === 'text' ? `${apiBase}/files/${file.id}/lines` : null}
          triage={triage}
          canTriage={hasRole(role, 'member')}
        />
      )}

      {signature && (
        <section className="card" data-testid="failure-signature">
          <h2 className="mb-1 font-semibold">
            Failure signature{' '}
            <Link className="font-mono text-indigo-700 hover:underline" href={`/t/${team.slug}/signatures/${signature.signature}`}>
              {signature.signature}
            </Link>
          </h2>
          <p className="mb-2 text-sm text-slate-600">
            The first 16 hex digits of sha256 over the status ({signature.status}) and these lines, after timestamps, UUIDs, IP addresses,
            hex values, paths and numbers were replaced by placeholders: failures with the same cause share it.
          </p>
          <SignatureEvidence explanation={signature} />
        </section>
      )}

      {subResults.length > 0 && (
        <section className="card">
          <h2 className="mb-2 font-semibold">Sub-results</h2>
          <table className="table">
            <tbody>
              {subResults.map((result) => (
                <tr key={result.id} data-testid="sub-result">
                  <td>
                    <StatusBadge status={result.status} />
                  </td>
                  <td className="font-mono text-xs">{result.name}</td>
                  <td className="text-slate-600">{result.note}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      <section className="card">
        <h2 className="mb-2 font-semibold">Files</h2>
        {attempt.files.length === 0 && (
          <p className="text-sm text-slate-500">{running ? 'Files are stored when the attempt ends.' : 'No files.'}</p>
        )}
        <ul className="mb-4 flex flex-wrap gap-x-4 gap-y-1 text-sm">
          {attempt.files.map((item) => (
            <li key={item.id}>
              <Link
                className={item.path === file?.path ? 'font-semibold' : 'text-indigo-700 hover:underline'}
                href={link({ attempt: attempt.number, file: item.path.slice(filesPrefix.length) })}
                data-testid="file-link"
              >
                {item.path.slice(filesPrefix.length)}
              </Link>{' '}
              <span className="text-xs text-slate-500">{formatBytes(item.size)}</span>{' '}
              <a className="text-xs text-slate-500 hover:underline" href={`${apiBase}/files/${item.id}?download=1`}>
                download
              </a>
            </li>
          ))}
        </ul>
        {running ? (
          <LogViewer
            key="output"
            source={{
              lines: `${apiBase}/live-output/lines`,
              search: `${apiBase}/live-output/search`,
              params: { platform: details.platform, test: testName, attempt: String(attempt.number) },
              growing: true,
            }}
            size={null}
            feed={{ runId: details.run.id, platform: details.platform, test: testName, attempt: attempt.number }}
          />
        ) : (
          // The test's own output keeps the viewer that followed it while it ran: it goes on where it was.
          file && fileView(`${apiBase}/files/${file.id}`, file.path, file.size, query.file === undefined ? 'output' : file.id)
        )}
      </section>
      <Comments
        api={`${apiBase}/comments`}
        page={{ platform: details.platform, test: testName }}
        room={pageRoom}
        currentUserId={actor.userId}
        canComment={hasRole(role, 'member')}
        canModerate={hasRole(role, 'admin')}
        members={members.map(({ userId, name }) => ({ userId, name }))}
      />
      <section className="card">
        <h2 className="mb-2 font-semibold">Test metadata</h2>
        <Suspense fallback={<p className="text-sm text-slate-500">reading the test's fmf metadata…</p>}>
          <TestMetadataView runId={details.run.id} platform={details.platform} testName={testName} />
        </Suspense>
      </section>
    </div>
  );
}

/** Streamed in after the rest of the page: it may need a repository fetch. */
async function TestMetadataView({ runId, platform, testName }: { runId: string; platform: string; testName: string }) {
  const metadata = await getTestMetadata(db(), runId, platform, testName);
  if ('error' in metadata) return <p className="text-sm text-slate-500">Not available: {metadata.error}</p>;
  return (
    <dl className="grid grid-cols-[10rem_1fr] gap-x-4 gap-y-1 text-sm" data-testid="test-metadata">
      {Object.entries(metadata.data).map(([key, value]) => (
        <div key={key} className="contents">
          <dt className="text-slate-500">{key}</dt>
          <dd className="font-mono text-xs whitespace-pre-wrap">{typeof value === 'string' ? value : JSON.stringify(value, null, 1)}</dd>
        </div>
      ))}
    </dl>
  );
}

function fileView(fileApi: string, path: string, size: number, key: string) {
  const { viewer } = fileKind(path);
  if (viewer === 'image') return <img key={key} src={fileApi} alt={path} className="max-w-full" data-testid="image-viewer" />;
  // No sandbox permissions at all: the report's scripts do not run and it cannot reach this origin.
  if (viewer === 'html')
    return <iframe key={key} src={fileApi} sandbox="" title={path} className="h-[70vh] w-full rounded border" data-testid="html-viewer" />;
  if (viewer === 'text')
    return <LogViewer key={key} source={{ lines: `${fileApi}/lines`, search: `${fileApi}/search`, growing: false }} size={size} />;
  return (
    <a key={key} className="btn-quiet" href={`${fileApi}?download=1`}>
      Download {path.slice(filesPrefix.length)}
    </a>
  );
}
