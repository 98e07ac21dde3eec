import { db } from '@/lib/db/client';
import { listHeartbeats } from '@/lib/health/heartbeat';
import { LiveProcesses } from './live-processes';

export default async function HealthPage() {
  const processes = await listHeartbeats(db());
  return (
    <section className="card">
      <h1 className="mb-3 text-lg font-semibold">Health</h1>
      <LiveProcesses initial={processes.map((p) => ({ ...p, startedAt: p.startedAt.toISOString(), lastSeenAt: p.lastSeenAt.toISOString() }))} />
    </section>
  );
}
