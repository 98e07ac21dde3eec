import { db } from '@/lib/server/db/client';
import { listHeartbeats, platformKindAvailability } from '@/lib/server/health/heartbeat';
import { listRecentProcessExits } from '@/lib/server/health/process-exits';
import { defaultRestartPolicy } from '@/lib/server/process/supervisor';
import { currentActor } from '../_lib/session';
import { LiveProcesses } from './live-processes';
import { PlatformKinds } from './platform-kinds';
import { ProcessExits } from './process-exits';

export default async function HealthPage() {
  const [processes, actor] = await Promise.all([listHeartbeats(db()), currentActor()]);
  // What the installation can run and what crashed: for signed-in people only.
  const [kinds, exits] = actor ? await Promise.all([platformKindAvailability(db()), listRecentProcessExits(db())]) : [null, null];
  return (
    <div className="space-y-6">
      <section className="card">
        <h1 className="mb-3 text-lg font-semibold">Health</h1>
        <LiveProcesses
          initial={processes.map((p) => ({ ...p, startedAt: p.startedAt.toISOString(), lastSeenAt: p.lastSeenAt.toISOString() }))}
        />
      </section>
      {kinds && (
        <section className="card">
          <h2 className="mb-3 font-semibold">Platform kinds</h2>
          <PlatformKinds availability={kinds} />
        </section>
      )}
      {exits && (
        <section className="card">
          <h2 className="mb-1 font-semibold">Restarts</h2>
          <p className="mb-3 text-sm text-slate-600">
            Processes <code>npm start</code> started again after they died, in the last day. It gives up on a process after{' '}
            {defaultRestartPolicy.maxQuickCrashes} exits in a row, each within {defaultRestartPolicy.stableAfterMs / 1000} s of starting.
          </p>
          <ProcessExits exits={exits} />
        </section>
      )}
    </div>
  );
}
