import { listHeartbeats } from '@/lib/server/health/heartbeat';
import { route } from '../../_lib/handler';

export const GET = route(async ({ db }) => {
  const processes = await listHeartbeats(db);
  const ok = processes.some((p) => p.kind === 'web' && p.alive) && processes.some((p) => p.kind === 'worker' && p.alive);
  // Anyone may ask: which hosts and process ids serve the app is not theirs to know.
  return {
    ok,
    processes: processes.map(({ kind, alive, startedAt, lastSeenAt, serves, unavailable }) => ({
      kind,
      alive,
      startedAt,
      lastSeenAt,
      serves,
      unavailable,
    })),
  };
});
