import { hostname } from 'node:os';
import type { Db } from '../db/client';
import type { UnexpectedExit } from '../process/supervisor';

export interface ProcessExitInfo {
  id: string;
  hostname: string;
  process: string;
  pid: number;
  exitCode: number | null;
  signal: string | null;
  exitedAt: Date;
  quickCrashes: number;
  restarts: number;
  nextAttemptAt: Date | null;
  restartedAt: Date | null;
  restartedPid: number | null;
}

const keptForMs = 7 * 24 * 3600_000;
const shownForMs = 24 * 3600_000;

/**
 * Stores a supervised process's unexpected exit where every web node can
 * read it, and forgets the dead process's heartbeat: the health page stops
 * counting it at once, and workers treat the platforms it held as orphaned.
 */
export async function recordProcessExit(db: Db, exit: UnexpectedExit): Promise<string> {
  await db.heartbeat.deleteMany({ where: { hostname: hostname(), pid: exit.pid } });
  await db.processExit.deleteMany({ where: { exitedAt: { lt: new Date(Date.now() - keptForMs) } } });
  const row = await db.processExit.create({
    data: {
      hostname: hostname(),
      process: exit.name,
      pid: exit.pid,
      exitCode: exit.exitCode,
      signal: exit.signal,
      exitedAt: exit.exitedAt,
      quickCrashes: exit.quickCrashes,
      restarts: exit.restarts,
      nextAttemptAt: exit.nextAttemptAt,
    },
    select: { id: true },
  });
  return row.id;
}

export async function recordRestart(db: Db, exitId: string, pid: number): Promise<void> {
  await db.processExit.update({ where: { id: exitId }, data: { restartedAt: new Date(), restartedPid: pid } });
}

/** Exits of the last day, newest first. */
export function listRecentProcessExits(db: Db, limit = 20): Promise<ProcessExitInfo[]> {
  return db.processExit.findMany({
    where: { exitedAt: { gt: new Date(Date.now() - shownForMs) } },
    orderBy: { exitedAt: 'desc' },
    take: limit,
  });
}
