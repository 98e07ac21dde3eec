import { listHeartbeats } from '@/lib/health/heartbeat';
import { route } from '../../_lib/handler';

export const GET = route(async ({ db }) => {
  const processes = await listHeartbeats(db);
  return { ok: processes.some((p) => p.kind === 'web' && p.alive) && processes.some((p) => p.kind === 'worker' && p.alive), processes };
});
