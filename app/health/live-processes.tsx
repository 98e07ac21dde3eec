'use client';

import { useEffect, useState } from 'react';
import { io } from 'socket.io-client';

interface ProcessBeat {
  id: string;
  kind: string;
  hostname: string;
  pid: number;
  startedAt: string;
  lastSeenAt: string;
  serves: string[];
}

const staleAfterMs = 15_000;

/** The process table, updated by heartbeats pushed from every web and worker process. */
export function LiveProcesses({ initial }: { initial: ProcessBeat[] }) {
  const [processes, setProcesses] = useState(() => new Map(initial.map((p) => [p.id, p])));
  const [now, setNow] = useState(() => Date.now());
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    const socket = io();
    socket.on('connect', () => {
      setConnected(true);
      socket.emit('subscribe', 'health');
    });
    socket.on('disconnect', () => setConnected(false));
    socket.on('heartbeat', (beat: ProcessBeat) => setProcesses((current) => new Map(current).set(beat.id, beat)));
    const clock = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      clearInterval(clock);
      socket.close();
    };
  }, []);

  const rows = [...processes.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
  return (
    <>
      <p className="mb-3 text-xs text-slate-500">{connected ? 'live' : 'connecting…'}</p>
      <table className="table">
        <thead>
          <tr>
            <th>Process</th>
            <th>Host</th>
            <th>PID</th>
            <th>Runs platforms</th>
            <th>Last heartbeat</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => {
            const age = now - new Date(p.lastSeenAt).getTime();
            return (
              <tr key={p.id} data-testid={`process-${p.kind}`}>
                <td>{p.kind}</td>
                <td>{p.hostname}</td>
                <td>{p.pid}</td>
                <td data-testid="process-serves">{p.kind === 'worker' ? p.serves.join(', ') || 'none yet' : ''}</td>
                <td>{Math.max(0, Math.round(age / 1000))} s ago</td>
                <td className={age < staleAfterMs ? 'text-green-700' : 'text-red-700'}>{age < staleAfterMs ? 'alive' : 'silent'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
