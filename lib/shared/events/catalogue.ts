import { z } from 'zod';

/**
 * Every live event of a run, persisted to its timeline (with a per-run
 * sequence number) and broadcast to the `run:<id>` room. `platform` is the
 * run platform's name; `remote` a Remote's id. Test output is not among
 * them: it reaches viewers as described in ./output.ts.
 */
const platform = z.string();
const remote = z.string();
const test = z.string();

export const runEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('run.queued') }),
  z.object({ type: z.literal('run.started') }),
  z.object({ type: z.literal('run.finished'), status: z.enum(['passed', 'failed', 'error']) }),
  z.object({ type: z.literal('run.cancelled'), by: z.string().nullable() }),
  z.object({ type: z.literal('platform.started'), platform, tests: z.number().int() }),
  z.object({
    type: z.literal('platform.progress'),
    platform,
    total: z.number().int(),
    done: z.number().int(),
    passed: z.number().int(),
    failed: z.number().int(),
    running: z.number().int(),
  }),
  z.object({
    type: z.literal('platform.finished'),
    platform,
    status: z.enum(['passed', 'failed', 'error', 'cancelled']),
    error: z.string().nullable(),
  }),
  z.object({ type: z.literal('remote.requested'), platform, count: z.number().int() }),
  /** A libvirt VM on its way up (`remote` is the id it will have once provisioned), or being given back. */
  z.object({
    type: z.literal('remote.progress'),
    platform,
    remote,
    state: z.enum(['cloning', 'booting', 'waiting-for-ssh', 'failed', 'releasing']),
  }),
  z.object({ type: z.literal('remote.provisioned'), platform, remote }),
  /** `system`: the system that failed when the provisioner names one (an SSH pool host, `ssh:host:port`). */
  z.object({ type: z.literal('remote.provision-failed'), platform, error: z.string(), system: z.string().optional() }),
  z.object({ type: z.literal('remote.setup-started'), platform, remote }),
  z.object({ type: z.literal('remote.setup-failed'), platform, remote, error: z.string() }),
  z.object({ type: z.literal('remote.ready'), platform, remote }),
  z.object({ type: z.literal('remote.released'), platform, remote, destroyed: z.boolean() }),
  z.object({ type: z.literal('test.started'), platform, remote, test, attempt: z.number().int() }),
  z.object({
    type: z.literal('test.finished'),
    platform,
    remote,
    test,
    attempt: z.number().int(),
    exitCode: z.number().int().nullable(),
    exception: z.string().nullable(),
    /** Whether the exception was the system's failure (set-up, connection, reboot), which infrastructure health counts; absent in older events. */
    systemFailed: z.boolean().optional(),
  }),
  z.object({ type: z.literal('test.rerun-scheduled'), platform, test, attempt: z.number().int(), reason: z.string() }),
  z.object({
    type: z.literal('result.ingested'),
    platform,
    test,
    attempt: z.number().int(),
    status: z.string(),
    results: z.number().int(),
  }),
  /** A known issue explains a failure (see lib/server/known-issues); `line` is the output line (from 1) when `field` is output. */
  z.object({
    type: z.literal('result.labelled'),
    platform,
    test,
    attempt: z.number().int(),
    resultId: z.string(),
    issue: z.object({ id: z.string(), title: z.string(), url: z.string() }),
    match: z.object({ field: z.enum(['test', 'note', 'output']), line: z.number().int().nullable(), excerpt: z.string() }),
  }),
  /** Someone set a failure's triage state. */
  z.object({
    type: z.literal('result.triaged'),
    platform,
    test,
    resultId: z.string(),
    state: z.string(),
    by: z.string().nullable(),
  }),
  /** Waivers or known issues of the team changed in a way that may change how this run's failures show: reload them. */
  z.object({ type: z.literal('triage.changed'), reason: z.string() }),
]);

export type RunEvent = z.infer<typeof runEvent>;
export type RunEventType = RunEvent['type'];

/** An event as stored in a run's timeline and sent to browsers. */
export interface SequencedRunEvent {
  runId: string;
  seq: number;
  at: string;
  event: RunEvent;
}
