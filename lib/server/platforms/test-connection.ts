import { randomUUID } from 'node:crypto';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import { describeExit, runCommand, succeeded } from '../../engine/connection/run';
import type { Db } from '../db/client';
import { notFound } from '../errors';
import { createProvisioner } from '../../engine/provision/from-config';
import { PostgresHostLeases } from './postgres-host-leases';
import type { Provisioner } from '../../engine/provision/types';
import { redactSecrets } from '../secrets/redaction';
import { revealSecret } from '../secrets/secrets';
import { provisionerLimits } from '../security/operator-policy';
import type { ProvisionerKind } from './spec';
import { provisionerConfig } from './spec';
import { workerHostRefusal } from './worker-host';
import { messageOf } from '../../shared/errors';
import { containerEngineHost } from '../config';

export type ConnectionCheck =
  | { ok: true; remote: string; output: string; durationMs: number }
  | { ok: false; stage: 'configure' | 'provision' | 'command' | 'timeout'; error: string; durationMs: number };

/** How long one system may take to come up and answer; Testing Farm reservations and VM boots are slow. */
const timeoutMs: Record<ProvisionerKind, number> = {
  container: 120_000,
  ssh: 60_000,
  local: 30_000,
  'testing-farm': 600_000,
  libvirt: 600_000,
};

/**
 * Provisions one system of a platform (admin), runs `uname -a` on it and
 * releases it. A failure is an answer, not an error: the caller sees where it
 * failed and why, with the platform's secret blanked out of every message.
 */
export async function testPlatformConnection(db: Db, actor: Actor, teamSlug: string, platformId: string): Promise<ConnectionCheck> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  const platform = await db.platform.findFirst({ where: { id: platformId, teamId: team.id } });
  if (!platform) throw notFound('platform');
  const config = provisionerConfig.parse(platform.config);
  const secret = platform.secretId ? await revealSecret(db, team.id, platform.secretId) : undefined;
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  const redact = (error: unknown) => redactSecrets(messageOf(error));

  const owner = `connection-test-${randomUUID().slice(0, 8)}`;
  let provisioner: Provisioner;
  try {
    const refusal = workerHostRefusal(config);
    if (refusal) throw new Error(refusal);
    provisioner = await createProvisioner(config, {
      platformId: platform.id,
      runId: owner,
      owner,
      secret,
      hostLeases: new PostgresHostLeases(db),
      dockerHost: containerEngineHost(),
      ...provisionerLimits(),
    });
  } catch (error) {
    return { ok: false, stage: 'configure', error: redact(error), durationMs: elapsed() };
  }

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error(`no answer within ${timeoutMs[config.kind] / 1000} s`)), timeoutMs[config.kind]);
  let stage: 'configure' | 'provision' | 'command' = 'configure';
  try {
    await withDeadline(provisioner.start(), deadline.signal);
    stage = 'provision';
    provisioner.provision(1);
    const remote = await provisioner.getRemote(deadline.signal);
    stage = 'command';
    const result = await withDeadline(runCommand(remote.connection, ['uname', '-a']), deadline.signal);
    if (!succeeded(result.status))
      throw new Error(`uname -a failed with ${describeExit(result.status)}: ${result.stderr.trim() || result.stdout.trim()}`);
    return { ok: true, remote: remote.id, output: result.stdout.trim(), durationMs: elapsed() };
  } catch (error) {
    return { ok: false, stage: deadline.signal.aborted ? 'timeout' : stage, error: redact(error), durationMs: elapsed() };
  } finally {
    clearTimeout(timer);
    // Releases the system (and anything still coming up) whatever happened above.
    await provisioner
      .stop()
      .catch((error: unknown) => console.error(`connection test of platform ${platform.id}: release failed: ${redact(error)}`));
  }
}

function withDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
