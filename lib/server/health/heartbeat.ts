import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../db/client';
import type { ProvisionerKind } from '../platforms/spec';
import { provisionerKinds } from '../runs/job-queue';
import { ignoreCleanupFailure, messageOf } from '../../shared/errors';

export type ProcessKind = 'web' | 'worker';

export interface HeartbeatInfo {
  id: string;
  kind: ProcessKind;
  hostname: string;
  pid: number;
  startedAt: Date;
  lastSeenAt: Date;
  /** Whether it beat within the last three intervals. */
  alive: boolean;
  /** A worker's platform kinds (provisioners it can run); none for web processes. */
  serves: string[];
  /** A worker's other platform kinds, each with why it cannot run them. */
  unavailable: Record<string, string>;
}

/** What a process says about itself in its heartbeat, beyond being alive. */
export interface HeartbeatDetails {
  serves?: string[];
  unavailable?: Record<string, string>;
  [key: string]: unknown;
}

export const heartbeatIntervalMs = 5_000;

/**
 * Records this process's liveness now and every interval, with `details`
 * (which `describe` replaces); `stop` removes the record.
 */
export function startHeartbeat(db: Db, kind: ProcessKind, details: HeartbeatDetails = {}, onBeat?: (beat: HeartbeatInfo) => void) {
  const id = `${kind}-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const startedAt = new Date();
  let current = details;
  const beat = async () => {
    const lastSeenAt = new Date();
    const info = current as object;
    await db.heartbeat.upsert({
      where: { id },
      create: { id, kind, hostname: hostname(), pid: process.pid, startedAt, lastSeenAt, info },
      update: { lastSeenAt, info },
    });
    onBeat?.({
      id,
      kind,
      hostname: hostname(),
      pid: process.pid,
      startedAt,
      lastSeenAt,
      alive: true,
      serves: current.serves ?? [],
      unavailable: current.unavailable ?? {},
    });
  };
  const first = beat();
  const timer = setInterval(
    () => void beat().catch((error) => console.error(`heartbeat failed: ${messageOf(error)}`)),
    heartbeatIntervalMs,
  );
  timer.unref();
  return {
    id,
    ready: first,
    /** Replaces the details, stored at once. */
    describe: (next: HeartbeatDetails): Promise<void> => {
      current = next;
      return beat();
    },
    stop: async () => {
      clearInterval(timer);
      await db.heartbeat.delete({ where: { id } }).catch(ignoreCleanupFailure);
    },
  };
}

/** Processes seen in the last ten minutes, newest first. */
export async function listHeartbeats(db: Db): Promise<HeartbeatInfo[]> {
  const rows = await db.heartbeat.findMany({
    where: { lastSeenAt: { gt: new Date(Date.now() - 600_000) } },
    orderBy: [{ kind: 'asc' }, { lastSeenAt: 'desc' }],
  });
  const cutoff = Date.now() - 3 * heartbeatIntervalMs;
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind as ProcessKind,
    hostname: row.hostname,
    pid: row.pid,
    startedAt: row.startedAt,
    lastSeenAt: row.lastSeenAt,
    alive: row.lastSeenAt.getTime() > cutoff,
    serves: servedKinds(row.info),
    unavailable: unavailableKinds(row.info),
  }));
}

export const noWorkerRunning = 'no worker is running';

/**
 * Whether some live worker serves each platform kind (null), or why none
 * does: the reasons the live workers give, or that no worker is running. A
 * queued platform of such a kind waits until a worker that serves it starts.
 */
export async function platformKindAvailability(db: Db): Promise<Map<ProvisionerKind, string | null>> {
  const rows = await db.heartbeat.findMany({
    where: { kind: 'worker', lastSeenAt: { gt: new Date(Date.now() - 3 * heartbeatIntervalMs) } },
    select: { info: true },
  });
  const served = new Set(rows.flatMap((row) => servedKinds(row.info)));
  return new Map(
    provisionerKinds.map((kind) => {
      if (served.has(kind)) return [kind, null];
      if (rows.length === 0) return [kind, noWorkerRunning];
      const reasons = [...new Set(rows.map((row) => unavailableKinds(row.info)[kind]).filter((reason) => reason !== undefined))];
      return [kind, reasons.join('; ') || 'no running worker serves it'];
    }),
  );
}

function servedKinds(info: unknown): string[] {
  const serves = (info as HeartbeatDetails | null)?.serves;
  return Array.isArray(serves) ? serves.filter((kind): kind is string => typeof kind === 'string') : [];
}

function unavailableKinds(info: unknown): Record<string, string> {
  const unavailable = (info as HeartbeatDetails | null)?.unavailable;
  if (typeof unavailable !== 'object' || unavailable === null) return {};
  return Object.fromEntries(Object.entries(unavailable).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
