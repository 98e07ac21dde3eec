import { z } from 'zod';
import { fmfContext, provisionerConfig } from '../platforms/spec';
import { previewInput } from '../repos/discovery';
import { secretInput } from '../secrets/secrets';
import { commentEdit, commentInput } from '../comments/comments';
import { markReadInput } from '../notifications/notifications';
import { webhookChange, webhookInput } from '../webhooks/webhooks';
import { webhookEventTypes } from '../../shared/webhook-events';
import { compareLists, durationRegression } from '../../shared/run-compare';

/**
 * The OpenAPI 3.1 document of /api/v1, written as code so request bodies
 * reuse the validators where they are exported. tests/app/openapi.test.ts
 * keeps it and the route files in step.
 */
type Role = 'viewer' | 'member' | 'admin' | 'owner';
type JsonSchema = Record<string, unknown>;
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface Operation {
  summary: string;
  /** Team role needed; absent for routes outside a team. */
  role?: Role;
  /** No credentials needed. */
  open?: boolean;
  body?: JsonSchema;
  query?: { name: string; description: string; schema: JsonSchema; repeated?: boolean }[];
  /** A name that must be unique in the team may be taken (409). */
  conflict?: boolean;
  /** Success status and what it returns; 204 returns nothing. */
  status?: 200 | 201 | 204;
  returns?: JsonSchema | { contentType: string; description: string };
}

const schemaOf = (schema: z.ZodType): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

const string = { type: 'string' };
const integer = { type: 'integer' };
const object = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({ type: 'object', properties, required });
const arrayOf = (items: JsonSchema): JsonSchema => ({ type: 'array', items });
const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const roleEnum = { type: 'string', enum: ['owner', 'admin', 'member', 'viewer'] };
const anyObject = { type: 'object', additionalProperties: true };

const repoBody = (required: string[]) =>
  object(
    {
      name: { ...string, pattern: '^[\\w.-]+$' },
      url: {
        type: ['string', 'null'],
        description: "git URL (https://, ssh://, git:// or user@host:path; file:// only under the operator's TESTYARD_LOCAL_REPO_ROOTS)",
      },
      ref: { type: ['string', 'null'], description: 'branch, tag or commit' },
      path: {
        type: ['string', 'null'],
        description: "absolute folder on the server and worker hosts under the operator's TESTYARD_LOCAL_REPO_ROOTS (instead of url)",
      },
    },
    required,
  );

const platformBody = (required: string[]) =>
  object(
    {
      name: { ...string, pattern: '^[\\w.@-]+$' },
      config: schemaOf(provisionerConfig),
      context: schemaOf(fmfContext),
      maxRemotes: { ...integer, minimum: 1, maximum: 1000 },
      maxSpares: { ...integer, minimum: 0, maximum: 1000 },
      secretId: { type: ['string', 'null'], description: 'SSH private key (ssh, libvirt) or API token (testing-farm)' },
    },
    required,
  );

const runBody = object(
  {
    repoId: { ...string, description: 'a stored repository (runs at its own ref); or give url' },
    url: { ...string, description: 'a git URL, instead of repoId' },
    ref: { ...string, description: 'with url only' },
    plan: string,
    platforms: { ...arrayOf(string), minItems: 1, description: 'platform ids' },
    filters: object({ names: arrayOf(string), excludes: arrayOf(string) }),
    context: schemaOf(fmfContext),
    reruns: { ...integer, minimum: 0, maximum: 20, default: 2 },
    maxRemotes: { ...integer, minimum: 1 },
    environment: { type: 'object', additionalProperties: string },
  },
  ['plan', 'platforms'],
);

const pattern = (description: string): JsonSchema => ({
  ...string,
  maxLength: 500,
  description: `${description}: a JavaScript regular expression, searched anywhere, in the subset that runs in linear time (no backreferences, lookaround or flags)`,
});
const nullablePattern = (description: string): JsonSchema => ({ ...pattern(description), type: ['string', 'null'] });
const resultStatusEnum = { type: 'string', enum: ['fail', 'error', 'warn', 'info', 'skip', 'pass'] };
const triageStateEnum = { type: 'string', enum: ['new', 'investigating', 'known-issue', 'waived', 'fixed'] };

const knownIssueBody = (required: string[]) =>
  object(
    {
      title: { ...string, maxLength: 300 },
      url: { ...string, format: 'uri', description: 'the bug (http or https)' },
      testPattern: pattern('over test names'),
      platformPattern: nullablePattern('over platform names; null: every platform'),
      statuses: { ...arrayOf(resultStatusEnum), minItems: 1, description: 'result statuses it applies to (default fail, error)' },
      textPattern: nullablePattern("over the result's note, then each line of the test's output; null: test, platform and status decide"),
      ...(required.length
        ? { sourceResultId: { type: ['string', 'null'], description: 'the failure it is created from (a result id)' } }
        : {}),
    },
    required,
  );

const waiverBody = (required: string[]) =>
  object(
    {
      testPattern: pattern('over test names'),
      platformPattern: nullablePattern('over platform names; null: every platform'),
      reason: { ...string, maxLength: 2000 },
      expiresAt: { ...string, format: 'date-time', description: 'in the future, within a year; the waiver stops applying then' },
    },
    required,
  );

const searchParameters = [
  { name: 'q', description: 'the text (one line)', schema: string },
  { name: 'from', description: 'first line to search (default 0)', schema: { ...integer, minimum: 0 } },
  {
    name: 'limit',
    description: 'at most this many matches (default 100, at most 1000)',
    schema: { ...integer, minimum: 1, maximum: 1000 },
  },
  {
    name: 'case',
    description: '`insensitive` folds ASCII letters (default `sensitive`)',
    schema: { ...string, enum: ['sensitive', 'insensitive'] },
  },
];

const liveAttemptQuery = [
  { name: 'platform', description: "the run platform's name", schema: string },
  { name: 'test', description: 'the test name', schema: string },
  { name: 'attempt', description: 'the attempt number', schema: { ...integer, minimum: 1 } },
];

const paths: Record<string, Partial<Record<Method, Operation>>> = {
  '/openapi.json': { get: { summary: 'This document', open: true, returns: anyObject } },
  '/health': {
    get: { summary: 'Whether a web server and a worker are alive, and every process heartbeat', open: true, returns: anyObject },
  },
  '/me': { get: { summary: 'The signed-in user', returns: object({ id: string, name: string, email: string }) } },
  '/teams': {
    get: { summary: "The caller's teams and roles", returns: arrayOf(ref('Team')) },
    post: {
      conflict: true,
      summary: 'Create a team (the caller owns it)',
      body: object({ name: string, slug: string }, ['name']),
      status: 201,
      returns: ref('Team'),
    },
  },
  '/invitations/{token}': { get: { summary: 'What an invitation link offers', returns: anyObject } },
  '/invitations/{token}/accept': { post: { summary: 'Join the team of an invitation', returns: anyObject } },
  '/teams/{team}': {
    get: { summary: 'The team', role: 'viewer', returns: ref('Team') },
    patch: { summary: 'Rename the team', role: 'admin', body: object({ name: string }, ['name']), returns: ref('Team') },
    delete: { summary: 'Delete the team and everything in it', role: 'owner', status: 204 },
  },
  '/teams/{team}/members': { get: { summary: 'Members and their roles', role: 'viewer', returns: arrayOf(anyObject) } },
  '/teams/{team}/members/{userId}': {
    patch: { summary: "Change a member's role", role: 'admin', body: object({ role: roleEnum }, ['role']), returns: anyObject },
    delete: { summary: 'Remove a member', role: 'admin', status: 204 },
  },
  '/teams/{team}/invitations': {
    get: { summary: 'Open invitations', role: 'admin', returns: arrayOf(anyObject) },
    post: {
      summary: 'Create an invitation link',
      role: 'admin',
      body: object({ email: { ...string, format: 'email' }, role: roleEnum }, ['email']),
      status: 201,
      returns: anyObject,
    },
  },
  '/teams/{team}/invitations/{id}': { delete: { summary: 'Revoke an invitation', role: 'admin', status: 204 } },
  '/teams/{team}/tokens': {
    get: { summary: "The caller's API tokens in this team (never their values)", role: 'viewer', returns: arrayOf(anyObject) },
    post: {
      summary: 'Create an API token; its value is shown once',
      role: 'viewer',
      body: object({ name: string }, ['name']),
      status: 201,
      returns: anyObject,
    },
  },
  '/teams/{team}/tokens/{id}': { delete: { summary: 'Revoke one of your tokens', role: 'viewer', status: 204 } },
  '/teams/{team}/secrets': {
    get: { summary: 'Secrets (names and kinds; values are write-only)', role: 'viewer', returns: arrayOf(anyObject) },
    post: {
      conflict: true,
      summary: 'Store a secret, encrypted',
      role: 'admin',
      body: schemaOf(secretInput),
      status: 201,
      returns: anyObject,
    },
  },
  '/teams/{team}/secrets/{id}': { delete: { summary: 'Delete a secret', role: 'admin', status: 204 } },
  '/teams/{team}/platforms': {
    get: { summary: 'Platforms', role: 'viewer', returns: arrayOf(ref('Platform')) },
    post: {
      conflict: true,
      summary: 'Create a platform',
      role: 'admin',
      body: platformBody(['name', 'config']),
      status: 201,
      returns: ref('Platform'),
    },
  },
  '/teams/{team}/platforms/{id}': {
    get: { summary: 'A platform', role: 'viewer', returns: ref('Platform') },
    patch: {
      conflict: true,
      summary: 'Change a platform; fields left out keep their value',
      role: 'admin',
      body: platformBody([]),
      returns: ref('Platform'),
    },
    delete: { summary: 'Delete a platform', role: 'admin', status: 204 },
  },
  '/teams/{team}/platforms/{id}/test-connection': {
    post: {
      summary: 'Provision one system, run `uname -a`, release it; a failure is reported in the answer (ok: false), not as an error status',
      role: 'admin',
      returns: {
        oneOf: [
          object({ ok: { const: true }, remote: string, output: string, durationMs: integer }, ['ok', 'remote', 'output', 'durationMs']),
          object(
            {
              ok: { const: false },
              stage: { type: 'string', enum: ['configure', 'provision', 'command', 'timeout'] },
              error: string,
              durationMs: integer,
            },
            ['ok', 'stage', 'error', 'durationMs'],
          ),
        ],
      },
    },
  },
  '/teams/{team}/repos': {
    get: { summary: 'Test repositories', role: 'viewer', returns: arrayOf(ref('Repo')) },
    post: {
      conflict: true,
      summary: 'Add a repository: a git url (+ ref) or a server-side path',
      role: 'admin',
      body: repoBody(['name']),
      status: 201,
      returns: ref('Repo'),
    },
  },
  '/teams/{team}/repos/{id}': {
    get: { summary: 'A repository', role: 'viewer', returns: ref('Repo') },
    patch: {
      conflict: true,
      summary: 'Change a repository; fields left out keep their value',
      role: 'admin',
      body: repoBody([]),
      returns: ref('Repo'),
    },
    delete: { summary: 'Delete a repository', role: 'admin', status: 204 },
  },
  '/teams/{team}/repos/{id}/metadata': {
    get: {
      summary: "The repository's plans and tests with their fmf metadata, adjusted for a context",
      role: 'viewer',
      query: [
        { name: 'ref', description: "another ref than the repository's (git repositories only)", schema: string },
        { name: 'context', description: 'an fmf context dimension, KEY=VALUE; repeatable', schema: string, repeated: true },
      ],
      returns: object({
        commit: { type: ['string', 'null'] },
        plans: arrayOf(object({ name: string, summary: { type: ['string', 'null'] } })),
        tests: arrayOf(
          object({
            name: string,
            summary: { type: ['string', 'null'] },
            duration: string,
            tags: arrayOf(string),
            require: arrayOf(string),
            metadata: anyObject,
          }),
        ),
      }),
    },
  },
  '/teams/{team}/example': {
    post: {
      conflict: true,
      summary:
        'Add the example suite shipped with Testyard (repository "example", plan /plans/example) and a container platform "example" for it; returns those added earlier when called again',
      role: 'admin',
      status: 201,
      returns: object({ repo: ref('Repo'), platform: ref('Platform'), plan: string }, ['repo', 'platform', 'plan']),
    },
  },
  '/teams/{team}/discovery': {
    post: {
      summary: 'Preview a run: how many tests (and which) a plan selects with these filters and context, overall and per platform',
      role: 'viewer',
      body: schemaOf(previewInput),
      returns: object({
        commit: { type: ['string', 'null'] },
        count: integer,
        tests: arrayOf(object({ name: string, duration: string })),
        platforms: arrayOf(object({ id: string, name: string, count: integer })),
      }),
    },
  },
  '/teams/{team}/runs': {
    get: {
      summary: 'Every run of the team, newest first, filtered and paged by keyset (run number)',
      role: 'viewer',
      query: [
        { name: 'repo', description: 'a repository name', schema: string },
        { name: 'plan', description: 'the plan, exactly', schema: string },
        { name: 'ref', description: 'the branch or tag, exactly', schema: string },
        { name: 'commit', description: 'the commit, or the start of its SHA (4+ hex digits)', schema: string },
        { name: 'platform', description: 'a platform name the run ran on', schema: string },
        { name: 'status', description: 'comma-separated run statuses', schema: string },
        { name: 'by', description: 'the id of the user who started it', schema: string },
        { name: 'from', description: 'created on or after this day (YYYY-MM-DD, UTC)', schema: { ...string, format: 'date' } },
        { name: 'to', description: 'created on or before this day (YYYY-MM-DD, UTC)', schema: { ...string, format: 'date' } },
        { name: 'test', description: 'part of a test name: runs that ran a matching test', schema: string },
        { name: 'after', description: "the previous page's `next` run number", schema: integer },
        { name: 'limit', description: 'page size (default 50, at most 200)', schema: { ...integer, minimum: 1, maximum: 200 } },
      ],
      returns: object({
        runs: arrayOf(anyObject),
        next: { type: ['integer', 'null'] },
        matchingTests: arrayOf(object({ testName: string, platform: string })),
      }),
    },
    post: {
      summary: 'Start a run: pins the commit, snapshots the platforms, queues one job per platform',
      role: 'member',
      body: runBody,
      status: 201,
      returns: object({
        id: string,
        number: integer,
        commit: { type: ['string', 'null'] },
        platforms: arrayOf(object({ id: string, name: string })),
      }),
    },
  },
  '/teams/{team}/tests/history': {
    get: {
      summary: "One test's history on one platform across runs: each run's attempts (reruns), status, duration and commit",
      role: 'viewer',
      query: [
        { name: 'test', description: 'the test name', schema: string },
        { name: 'platform', description: 'the platform name', schema: string },
        { name: 'before', description: "the previous page's `next` run number", schema: integer },
        { name: 'limit', description: 'runs per page (default 200, at most 1000)', schema: { ...integer, minimum: 1, maximum: 1000 } },
      ],
      returns: object({
        test: string,
        platform: string,
        flakiness: { type: ['object', 'null'] },
        runs: arrayOf(anyObject),
        next: { type: ['integer', 'null'] },
      }),
    },
  },
  '/teams/{team}/tests/flaky': {
    get: {
      summary:
        'The flakiest tests per platform: most flaky events (pass on rerun, or a changed outcome at the same commit) among their last 30 runs',
      role: 'viewer',
      query: [{ name: 'limit', description: 'how many (default 50, at most 200)', schema: { ...integer, minimum: 1, maximum: 200 } }],
      returns: arrayOf(anyObject),
    },
  },
  '/teams/{team}/charts': {
    get: {
      summary: 'Numbers behind the charts: pass rate per platform, run durations, test duration spread, slowest tests',
      role: 'viewer',
      query: [
        {
          name: 'runs',
          description: 'latest finished runs covered (default 100, 5 to 500)',
          schema: { ...integer, minimum: 5, maximum: 500 },
        },
      ],
      returns: anyObject,
    },
  },
  '/teams/{team}/systems': {
    get: { summary: 'Systems that failed for infrastructure reasons, quarantined first', role: 'viewer', returns: arrayOf(anyObject) },
  },
  '/teams/{team}/systems/{id}/restore': {
    post: { summary: 'Put a quarantined system back into its pool', role: 'admin', returns: anyObject },
  },
  '/teams/{team}/runs/{run}': {
    get: {
      summary: 'A run (by number or id) with per-platform counts and its last event sequence number',
      role: 'viewer',
      returns: anyObject,
    },
  },
  '/teams/{team}/runs/{run}/events': {
    get: {
      summary: "The run's timeline after a sequence number; then apply live events (Socket.IO room run:<id>) with a higher seq",
      role: 'viewer',
      query: [
        { name: 'after', description: 'sequence number to start after (default 0)', schema: { ...integer, minimum: 0 } },
        {
          name: 'limit',
          description: 'at most this many events (default and maximum 5000)',
          schema: { ...integer, minimum: 1, maximum: 5000 },
        },
      ],
      returns: arrayOf(object({ runId: string, seq: integer, at: { ...string, format: 'date-time' }, event: anyObject })),
    },
  },
  '/teams/{team}/runs/{run}/rerun-failed': {
    post: {
      summary: "Start a new run of this run's failed tests",
      role: 'member',
      status: 201,
      returns: object({ id: string, number: integer }),
    },
  },
  '/teams/{team}/runs/{run}/results': {
    get: {
      summary: "The run's results, filtered and paged by keyset (server-side)",
      role: 'viewer',
      query: [
        { name: 'status', description: 'comma-separated statuses', schema: string },
        { name: 'platform', description: 'comma-separated platform names', schema: string },
        { name: 'name', description: 'a substring of the test name, case-insensitive', schema: string },
        { name: 'triage', description: 'comma-separated triage states (failures only)', schema: string },
        { name: 'after', description: "the previous page's `next` cursor", schema: string },
        { name: 'limit', description: 'page size (default 200, at most 1000)', schema: { ...integer, minimum: 1, maximum: 1000 } },
      ],
      returns: object({ results: arrayOf(anyObject), next: { type: ['string', 'null'] } }),
    },
  },
  '/teams/{team}/runs/{run}/compare': {
    get: {
      summary:
        'Compare the run with a base run (default: the previous run of the same repository and plan): per platform, new failures, ' +
        `fixed, still failing, missing, new tests and duration regressions (at least ${durationRegression.ratio}× and ` +
        `${durationRegression.minSeconds} s longer), with whether each failure's cause was seen in the base run and before`,
      role: 'viewer',
      query: [
        { name: 'base', description: 'the base run (number or id)', schema: string },
        {
          name: 'list',
          description: 'only this list, for paging it',
          schema: { type: 'string', enum: [...compareLists] },
        },
        { name: 'after', description: "the list's previous `next` cursor (needs list)", schema: string },
        { name: 'limit', description: 'rows per list (default 100, at most 1000)', schema: { ...integer, minimum: 1, maximum: 1000 } },
      ],
      returns: object({ head: anyObject, base: anyObject, platforms: arrayOf(anyObject), total: anyObject, lists: anyObject }),
    },
  },
  '/teams/{team}/runs/{run}/failure-groups': {
    get: {
      summary: "The run's failing tests grouped by failure signature (cause), largest first, each with an example's evidence",
      role: 'viewer',
      query: [{ name: 'limit', description: 'groups (default 50, at most 500)', schema: { ...integer, minimum: 1, maximum: 500 } }],
      returns: object({ failures: integer, causes: integer, groups: arrayOf(anyObject) }),
    },
  },
  '/teams/{team}/signatures/{signature}': {
    get: {
      summary: "A failure signature's occurrences across the team's runs, counted per run, newest first, with its evidence",
      role: 'viewer',
      query: [{ name: 'limit', description: 'runs (default 100, at most 500)', schema: { ...integer, minimum: 1, maximum: 500 } }],
      returns: object({ signature: string, failures: integer, runs: integer, explanation: anyObject, occurrences: arrayOf(anyObject) }),
    },
  },
  '/teams/{team}/runs/{run}/attempts': {
    get: {
      summary: 'Every attempt of one test on one platform (reruns, with why each was re-run)',
      role: 'viewer',
      query: [
        { name: 'platform', description: 'the run platform name', schema: string },
        { name: 'test', description: 'the test name', schema: string },
      ],
      returns: anyObject,
    },
  },
  '/teams/{team}/runs/{run}/files/{file}': {
    get: {
      summary: 'A stored file, whole or a byte range (HTTP Range); `?download=1` asks for an attachment',
      role: 'viewer',
      query: [{ name: 'download', description: '1: as an attachment', schema: { type: 'string', enum: ['0', '1'] } }],
      returns: { contentType: 'application/octet-stream', description: "the file's bytes (its own content type; 206 for a range)" },
    },
  },
  '/teams/{team}/runs/{run}/files/{file}/lines': {
    get: {
      summary: 'Lines of a stored text file by number, without reading it whole',
      role: 'viewer',
      query: [
        { name: 'from', description: 'first line (0-based, default 0)', schema: { ...integer, minimum: 0 } },
        { name: 'count', description: 'how many lines (default 200, at most 5000)', schema: { ...integer, minimum: 0, maximum: 5000 } },
        { name: 'wait', description: "1: answer once the file's line count is known", schema: { type: 'string', enum: ['0', '1'] } },
      ],
      returns: anyObject,
    },
  },
  '/teams/{team}/runs/{run}/live-output/lines': {
    get: {
      summary:
        "Lines of a running attempt's output so far (complete lines); 410 once the attempt has ended, 409 where this server cannot read it",
      role: 'viewer',
      query: [
        ...liveAttemptQuery,
        { name: 'from', description: 'first line (0-based, default 0)', schema: { ...integer, minimum: 0 } },
        { name: 'count', description: 'how many lines (default 200, at most 5000)', schema: { ...integer, minimum: 0, maximum: 5000 } },
      ],
      returns: anyObject,
    },
  },
  '/teams/{team}/runs/{run}/live-output/search': {
    get: {
      summary: "Lines of a running attempt's output so far containing a text; 410 once the attempt has ended",
      role: 'viewer',
      query: [...liveAttemptQuery, ...searchParameters],
      returns: anyObject,
    },
  },
  '/teams/{team}/runs/{run}/files/{file}/search': {
    get: {
      summary: 'Lines of a stored file containing a text, from a line on',
      role: 'viewer',
      query: searchParameters,
      returns: anyObject,
    },
  },
  '/teams/{team}/runs/{run}/triage': {
    get: {
      summary: "The run's failures and how each stands (state, who set it, waiver, known issues), with counts",
      role: 'viewer',
      returns: object({ summary: anyObject, failures: arrayOf(anyObject) }),
    },
  },
  '/teams/{team}/runs/{run}/results/{result}/triage': {
    put: {
      summary: "Set a failure's triage state (a final result that failed; everyone watching the run sees it live)",
      role: 'member',
      body: object({ state: triageStateEnum }, ['state']),
      returns: anyObject,
    },
  },
  '/teams/{team}/known-issues': {
    get: { summary: 'Known issues: a bug and the failures it explains', role: 'viewer', returns: arrayOf(anyObject) },
    post: {
      summary: 'Record a known issue; it labels matching failures of running and recent runs at once, and later ones as they are stored',
      role: 'member',
      body: knownIssueBody(['title', 'url', 'testPattern']),
      status: 201,
      returns: anyObject,
    },
  },
  '/teams/{team}/known-issues/{id}': {
    get: { summary: 'A known issue', role: 'viewer', returns: anyObject },
    patch: {
      summary: 'Change a known issue; fields left out keep their value',
      role: 'member',
      body: knownIssueBody([]),
      returns: anyObject,
    },
    delete: { summary: 'Delete a known issue and its labels', role: 'member', status: 204 },
  },
  '/teams/{team}/waivers': {
    get: { summary: 'Waivers, expired ones included (marked)', role: 'viewer', returns: arrayOf(anyObject) },
    post: {
      summary: 'Waive failures of matching tests on matching platforms until a date',
      role: 'member',
      body: waiverBody(['testPattern', 'reason', 'expiresAt']),
      status: 201,
      returns: anyObject,
    },
  },
  '/teams/{team}/waivers/{id}': {
    patch: { summary: 'Change a waiver; fields left out keep their value', role: 'member', body: waiverBody([]), returns: anyObject },
    delete: { summary: 'Delete a waiver', role: 'member', status: 204 },
  },
  '/teams/{team}/runs/{run}/cancel': { post: { summary: 'Cancel a run', role: 'member', returns: anyObject } },
  '/teams/{team}/runs/{run}/export.jsonl': {
    get: {
      summary: "The run's results as atex JSON Lines",
      role: 'viewer',
      returns: { contentType: 'application/jsonl', description: 'one result per line' },
    },
  },
  '/teams/{team}/runs/{run}/export.junit.xml': {
    get: {
      summary: "The run's results as JUnit XML",
      role: 'viewer',
      returns: { contentType: 'application/xml', description: 'JUnit XML with rerun attempts' },
    },
  },
  '/teams/{team}/runs/{run}/comments': {
    get: {
      summary:
        "Comments on the run, or with platform and test on one test's result page (oldest first; live in Socket.IO room page:<run id>[:[platform,test]])",
      role: 'viewer',
      query: [
        { name: 'platform', description: "the run platform's name (with test)", schema: string },
        { name: 'test', description: 'the test name (with platform)', schema: string },
      ],
      returns: arrayOf(ref('Comment')),
    },
    post: {
      summary: 'Comment (Markdown without raw HTML; @[Name] mentions notify team members)',
      role: 'member',
      body: schemaOf(commentInput),
      status: 201,
      returns: ref('Comment'),
    },
  },
  '/teams/{team}/runs/{run}/comments/{id}': {
    patch: { summary: 'Edit your comment', role: 'member', body: schemaOf(commentEdit), returns: ref('Comment') },
    delete: { summary: 'Delete your comment (admins: any comment)', role: 'member', status: 204 },
  },
  '/teams/{team}/webhooks': {
    get: { summary: 'Webhooks (never their secrets)', role: 'admin', returns: arrayOf(ref('Webhook')) },
    post: {
      summary:
        "Add a webhook; its signing secret (generated unless given) is shown once. The URL must be one the operator's outbound policy allows",
      role: 'admin',
      body: schemaOf(webhookInput),
      status: 201,
      returns: ref('Webhook'),
    },
  },
  '/teams/{team}/webhooks/{id}': {
    get: { summary: 'A webhook', role: 'admin', returns: ref('Webhook') },
    patch: {
      summary: 'Change URL, events, secret or whether it is enabled',
      role: 'admin',
      body: schemaOf(webhookChange),
      returns: ref('Webhook'),
    },
    delete: { summary: 'Delete a webhook and its delivery log', role: 'admin', status: 204 },
  },
  '/teams/{team}/webhooks/{id}/deliveries': {
    get: {
      summary: "The webhook's delivery log, newest first: status, attempts, last answer or error, next retry",
      role: 'admin',
      query: [
        { name: 'before', description: 'id of the last delivery already shown', schema: string },
        { name: 'limit', description: 'at most this many (default 50, at most 200)', schema: { ...integer, minimum: 1, maximum: 200 } },
      ],
      returns: arrayOf(anyObject),
    },
  },
  '/teams/{team}/audit': {
    get: {
      summary: "The team's audit log, newest first, keyset-paged by entry id",
      role: 'admin',
      query: [
        { name: 'before', description: 'id of the oldest entry already shown', schema: string },
        { name: 'limit', description: 'at most this many (default 50, at most 200)', schema: { ...integer, minimum: 1, maximum: 200 } },
        { name: 'subjectType', description: 'only entries about this kind of thing, e.g. comment', schema: string },
        { name: 'subjectId', description: 'only entries about this one', schema: string },
      ],
      returns: arrayOf(anyObject),
    },
  },
  '/me/notifications': {
    get: {
      summary: 'Your inbox (mentions), newest first, with the unread count',
      query: [
        { name: 'before', description: 'id of the last notification already shown', schema: string },
        { name: 'limit', description: 'at most this many (default 50, at most 200)', schema: { ...integer, minimum: 1, maximum: 200 } },
        { name: 'unread', description: '`true`: unread ones only', schema: { ...string, enum: ['true', 'false'] } },
      ],
      returns: object({ unread: integer, notifications: arrayOf(anyObject) }),
    },
  },
  '/me/notifications/read': {
    post: { summary: 'Mark notifications (by id, or all) read', body: schemaOf(markReadInput), returns: object({ unread: integer }) },
  },
};

const parameterDescriptions: Record<string, string> = {
  team: 'team slug',
  run: 'run number or id',
  file: 'the stored file (an id, or a path encoded as one segment)',
  result: 'a result id (from the results API)',
  signature: 'a failure signature: 16 lowercase hex characters',
};

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } });

function operationObject(path: string, method: Method, operation: Operation): Record<string, unknown> {
  const parameters = [
    ...[...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name,
      in: 'path',
      required: true,
      schema: string,
      ...(parameterDescriptions[name] ? { description: parameterDescriptions[name] } : {}),
    })),
    ...(operation.query ?? []).map((query) => ({
      name: query.name,
      in: 'query',
      description: query.description,
      schema: query.repeated ? arrayOf(query.schema) : query.schema,
      ...(query.repeated ? { style: 'form', explode: true } : {}),
    })),
  ];
  const status = operation.status ?? 200;
  const returns = operation.returns;
  const success =
    status === 204 || !returns
      ? { description: 'done' }
      : 'contentType' in returns && typeof returns.contentType === 'string'
        ? { description: String(returns.description), content: { [returns.contentType]: { schema: string } } }
        : { description: 'ok', content: { 'application/json': { schema: returns } } };
  return {
    operationId: `${method}${path.replace(/[{}]/g, '').replace(/[/.-](\w)/g, (_match, letter: string) => letter.toUpperCase())}`,
    summary: operation.summary,
    ...(operation.role
      ? { description: `Needs the ${operation.role} role in the team (others: 403; non-members: 404).`, 'x-role': operation.role }
      : {}),
    ...(operation.open ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(operation.body ? { requestBody: { required: true, content: { 'application/json': { schema: operation.body } } } } : {}),
    responses: {
      [status]: success,
      ...(operation.body || operation.query ? { 400: errorResponse('invalid input; `issues` names each bad field') } : {}),
      ...(operation.open ? {} : { 401: errorResponse('no session cookie or API token') }),
      ...(operation.role
        ? { 403: errorResponse('the caller lacks the role'), 404: errorResponse('no such team (or not a member), or no such resource') }
        : {}),
      ...(operation.conflict ? { 409: errorResponse('the name is taken') } : {}),
    },
  };
}

/** The whole document; `serverUrl` is where the API is reached (e.g. https://testyard.example.com). */
export function openApiDocument(serverUrl: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Testyard API',
      version: '1',
      description:
        'Everything the web pages do. Authenticate with the session cookie (browsers) or `Authorization: Bearer <token>` (an API token, created on a team\'s "API tokens" page; it acts with its user\'s role in its team only). Errors are `{"error": "...", "issues": [{"path", "message"}]}`; another team\'s data is 404, never 403. Live updates: Socket.IO on the same origin (same credentials); emit `subscribe` with `team:<teamId>` (event `run-status`) or `run:<runId>` (event `run-events`: arrays of timeline events, oldest first).',
    },
    servers: [{ url: `${serverUrl.replace(/\/$/, '')}/api/v1` }],
    security: [{ bearer: [] }, { session: [] }],
    paths: Object.fromEntries(
      Object.entries(paths).map(([path, operations]) => [
        path,
        Object.fromEntries(
          Object.entries(operations).map(([method, operation]) => [method, operationObject(path, method as Method, operation)]),
        ),
      ]),
    ),
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an API token (tyt_…)' },
        session: { type: 'apiKey', in: 'cookie', name: 'better-auth.session_token', description: 'the browser session' },
      },
      schemas: {
        Error: object({ error: string, issues: arrayOf(object({ path: string, message: string }, ['path', 'message'])) }, ['error']),
        Team: object({ id: string, slug: string, name: string, role: roleEnum }),
        Repo: object({
          id: string,
          name: string,
          url: { type: ['string', 'null'] },
          ref: { type: ['string', 'null'] },
          path: { type: ['string', 'null'] },
          createdAt: string,
          updatedAt: string,
        }),
        Platform: object({
          id: string,
          name: string,
          config: schemaOf(provisionerConfig),
          context: schemaOf(fmfContext),
          maxRemotes: integer,
          maxSpares: integer,
          secretId: { type: ['string', 'null'] },
          createdAt: string,
          updatedAt: string,
        }),
        Comment: object({
          id: string,
          platform: { type: ['string', 'null'] },
          test: { type: ['string', 'null'] },
          author: { type: ['object', 'null'], properties: { id: string, name: string } },
          body: { ...string, description: 'Markdown' },
          mentions: arrayOf(object({ id: string, name: string })),
          createdAt: string,
          updatedAt: string,
        }),
        Webhook: object({
          id: string,
          url: string,
          events: arrayOf({ ...string, enum: [...webhookEventTypes] }),
          enabled: { type: 'boolean' },
          secret: { ...string, description: 'only in the answer that created it' },
          lastDelivery: { type: ['object', 'null'], properties: { status: string, at: string } },
          createdAt: string,
          updatedAt: string,
        }),
      },
    },
  };
}
