import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../db/client';

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
}

export const heartbeatIntervalMs = 5_000;

/** Records this process's liveness now and every interval; returns a stop function. */
export function startHeartbeat(db: Db, kind: ProcessKind, info: Record<string, unknown> = {}, onBeat?: (beat: HeartbeatInfo) => void) {
  const id = `${kind}-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const startedAt = new Date();
  const beat = async () => {
    const lastSeenAt = new Date();
    await db.heartbeat.upsert({
      where: { id },
      create: { id, kind, hostname: hostname(), pid: process.pid, startedAt, lastSeenAt, info: info as object },
      update: { lastSeenAt },
    });
    onBeat?.({ id, kind, hostname: hostname(), pid: process.pid, startedAt, lastSeenAt, alive: true });
  };
  const first = beat();
  const timer = setInterval(() => beat().catch((error) => console.error(`heartbeat failed: ${(error as Error).message}`)), heartbeatIntervalMs);
  timer.unref();
  return {
    id,
    ready: first,
    stop: async () => {
      clearInterval(timer);
      await db.heartbeat.delete({ where: { id } }).catch(() => {});
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
  }));
}
