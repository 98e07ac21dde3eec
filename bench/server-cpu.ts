// The CPU time the database server spends on a benchmark's queries: on a
// machine shared with other work, wall-clock times grow with its load while
// the server's own CPU time barely does, so benchmarks print both. Read from
// /proc for the benchmark's one backend process, so only where PostgreSQL
// runs on this machine (the embedded one); elsewhere it is null.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../lib/generated/prisma/client';
import type { Db } from '../lib/server/db/client';

/** A client on a single connection: every query runs in the one backend process whose CPU time is read. */
export function singleConnectionDb(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 1, idleTimeoutMillis: 0 }) });
}

const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** The backend's user + system CPU time so far, in ms (with its pid, to tell when the connection changed). */
async function backendCpu(db: Db): Promise<{ pid: number; ms: number } | null> {
  const [row] = await db.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS "pid"`;
  try {
    const stat = await readFile(`/proc/${row!.pid}/stat`, 'utf8');
    // utime and stime are fields 14 and 15; the command (field 2) may contain spaces, so count from its closing parenthesis
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid: row!.pid, ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond };
  } catch {
    return null;
  }
}

/** Runs `work` and returns its wall-clock time and the server's CPU time for it (null when that cannot be read), in ms. */
export async function timed<T>(db: Db, work: () => Promise<T>): Promise<{ result: T; wallMs: number; serverCpuMs: number | null }> {
  const before = await backendCpu(db);
  const started = performance.now();
  const result = await work();
  const wallMs = performance.now() - started;
  const after = await backendCpu(db);
  const serverCpuMs = before && after && before.pid === after.pid ? after.ms - before.ms : null;
  return { result, wallMs, serverCpuMs };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
