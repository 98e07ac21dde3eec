import { attemptStatus, type ExportedAttempt } from './attempt';

type Verdict = 'passed' | 'skipped' | 'failure' | 'error';

function verdictOf(status: string): Verdict {
  if (status === 'pass' || status === 'info') return 'passed';
  if (status === 'skip') return 'skipped';
  if (status === 'fail' || status === 'warn') return 'failure';
  return 'error';
}

/**
 * JUnit XML of a run: a `testsuite` per platform, a `testcase` per test (its
 * final attempt), `failure`/`error`/`skipped` from the result status, earlier
 * attempts as surefire's `flakyFailure`/`rerunFailure`, and the path of the
 * test output in `system-out`.
 */
export function junitXml(attempts: readonly ExportedAttempt[]): string {
  const platforms = new Map<string, ExportedAttempt[]>();
  for (const attempt of attempts) {
    const list = platforms.get(attempt.platform) ?? [];
    list.push(attempt);
    platforms.set(attempt.platform, list);
  }
  const suites = [...platforms].map(([platform, list]) => testSuite(platform, list));
  const total = (key: keyof SuiteCounts) => suites.reduce((sum, suite) => sum + suite.counts[key], 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${total('tests')}" failures="${total('failures')}" errors="${total('errors')}" skipped="${total('skipped')}" time="${seconds(total('time'))}">`,
    ...suites.map((suite) => suite.xml),
    '</testsuites>',
    '',
  ].join('\n');
}

interface SuiteCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  time: number;
}

function testSuite(platform: string, attempts: readonly ExportedAttempt[]): { xml: string; counts: SuiteCounts } {
  const byTest = new Map<string, ExportedAttempt[]>();
  for (const attempt of [...attempts].sort((a, b) => a.attempt - b.attempt)) {
    const list = byTest.get(attempt.testName) ?? [];
    list.push(attempt);
    byTest.set(attempt.testName, list);
  }
  const counts: SuiteCounts = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
  const cases: string[] = [];
  for (const [testName, list] of byTest) {
    const final = list.find((attempt) => attempt.rerunReason === null);
    if (!final) continue;
    const verdict = verdictOf(attemptStatus(final));
    const time = (final.finishedAt.getTime() - final.startedAt.getTime()) / 1000;
    counts.tests++;
    counts.time += time;
    if (verdict === 'failure') counts.failures++;
    if (verdict === 'error') counts.errors++;
    if (verdict === 'skipped') counts.skipped++;
    const earlier = list.filter((attempt) => attempt.rerunReason !== null);
    const rerunElement = verdict === 'passed' ? 'flakyFailure' : 'rerunFailure';
    cases.push(
      [
        `    <testcase name="${escape(testName)}" classname="${escape(platform)}" time="${seconds(time)}">`,
        ...(final.waiver
          ? [
              `      <properties><property name="waived" value="${escape(final.waiver.reason)}"/><property name="waived-until" value="${escape(final.waiver.expiresAt)}"/></properties>`,
            ]
          : []),
        ...verdictElements(final, verdict),
        ...earlier.map(
          (attempt) =>
            `      <${rerunElement} message="${escape(attempt.rerunReason ?? '')}" type="attempt ${attempt.attempt}">${escape(describeAttempt(attempt))}</${rerunElement}>`,
        ),
        ...(final.outputPath ? [`      <system-out>${escape(final.outputPath)}</system-out>`] : []),
        '    </testcase>',
      ].join('\n'),
    );
  }
  const header = `  <testsuite name="${escape(platform)}" tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}" time="${seconds(counts.time)}">`;
  return { xml: [header, ...cases, '  </testsuite>'].join('\n'), counts };
}

function verdictElements(attempt: ExportedAttempt, verdict: Verdict): string[] {
  const status = attemptStatus(attempt);
  const message = attempt.exception ?? attempt.results.findLast((result) => result.name === null)?.note ?? status;
  if (verdict === 'passed') return [];
  if (verdict === 'skipped') return [`      <skipped message="${escape(message)}"/>`];
  return [`      <${verdict} message="${escape(message)}" type="${escape(status)}">${escape(describeAttempt(attempt))}</${verdict}>`];
}

/** The attempt's end and its sub-results, one per line. */
function describeAttempt(attempt: ExportedAttempt): string {
  const end = attempt.exception ?? `exit code ${attempt.exitCode}`;
  const lines = attempt.results.map(
    (result) => `${result.status ?? '?'} ${result.name ?? '(test)'}${result.note ? `: ${result.note}` : ''}`,
  );
  return [end, ...lines].join('\n');
}

function seconds(value: number): string {
  return value.toFixed(3);
}

/** XML text and attribute escaping; characters XML 1.0 cannot hold are dropped. */
function escape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
