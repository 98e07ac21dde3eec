/**
 * Permanent, human-readable result URLs:
 *   /t/<team>/runs/<number>/<platform>/<test name>?attempt=N&file=<path>#L123
 * The test name keeps its slashes as path segments (each segment
 * percent-encoded); without `attempt` the page shows the final attempt.
 */
export function resultPath(
  team: string,
  runNumber: number,
  platform: string,
  testName: string,
  options: { attempt?: number; file?: string; line?: number } = {},
): string {
  const test = testName.split('/').filter(Boolean).map(encodeURIComponent).join('/');
  const query = new URLSearchParams();
  if (options.attempt !== undefined) query.set('attempt', String(options.attempt));
  if (options.file !== undefined) query.set('file', options.file);
  const search = query.size ? `?${query}` : '';
  return `/t/${encodeURIComponent(team)}/runs/${runNumber}/${encodeURIComponent(platform)}/${test}${search}${options.line ? `#L${options.line}` : ''}`;
}

/** The REST base of a run. */
export function runApiPath(team: string, runNumber: number): string {
  return `/api/v1/teams/${encodeURIComponent(team)}/runs/${runNumber}`;
}

/** One test's history on one platform across the team's runs. */
export function testHistoryPath(team: string, platform: string, testName: string): string {
  return `/t/${encodeURIComponent(team)}/history?${new URLSearchParams({ test: testName, platform })}`;
}
