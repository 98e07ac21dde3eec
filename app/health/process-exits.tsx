import type { ProcessExitInfo } from '@/lib/server/health/process-exits';

const time = (date: Date) => date.toISOString().replace('T', ' ').slice(0, 19);

/** Unexpected exits of supervised processes, newest first, with what the supervisor did. */
export function ProcessExits({ exits }: { exits: ProcessExitInfo[] }) {
  if (exits.length === 0)
    return (
      <p className="text-sm text-slate-600" data-testid="no-process-exits">
        None.
      </p>
    );
  return (
    <table className="table">
      <thead>
        <tr>
          <th>Process</th>
          <th>Host</th>
          <th>Exited (UTC)</th>
          <th>How</th>
          <th>Restarts</th>
          <th>Then</th>
        </tr>
      </thead>
      <tbody>
        {exits.map((exit) => (
          <tr key={exit.id} data-testid={`process-exit-${exit.process}`}>
            <td>{exit.process}</td>
            <td>
              {exit.hostname} (PID {exit.pid})
            </td>
            <td>{time(exit.exitedAt)}</td>
            <td>{exit.signal ?? `exit code ${exit.exitCode}`}</td>
            <td>{exit.restarts}</td>
            <td data-testid="process-exit-outcome">
              {exit.nextAttemptAt === null ? (
                <span className="text-red-700">gave up after {exit.quickCrashes} quick exits in a row</span>
              ) : exit.restartedAt ? (
                `restarted ${time(exit.restartedAt)} as PID ${exit.restartedPid}`
              ) : (
                `next attempt ${time(exit.nextAttemptAt)}`
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
