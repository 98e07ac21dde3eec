/** Socket.IO rooms: browsers join them, workers and web nodes emit to them. */
export const rooms = {
  health: 'health',
  team: (teamId: string) => `team:${teamId}`,
  run: (runId: string) => `run:${runId}`,
  /** One attempt's output, for its result page (see lib/shared/events/output.ts). */
  attemptOutput: (runId: string, attempt: { platform: string; test: string; attempt: number }) =>
    `output:${runId}:${JSON.stringify([attempt.platform, attempt.test, attempt.attempt])}`,
  /** A run's page (no result) or one result page of it: its viewers and comments (lib/shared/events/collaboration.ts). */
  page: (runId: string, result?: { platform: string; test: string }) =>
    result ? `page:${runId}:${JSON.stringify([result.platform, result.test])}` : `page:${runId}`,
  /** Every socket of a user, so a change of their access reaches all of them; never joined on request. */
  user: (userId: string) => `user:${userId}`,
};

/**
 * The names of the run events sent to those rooms: a run's events on its
 * room, as arrays of SequencedRunEvent in order (those stored together, in
 * as few messages as fit a bare NOTIFY), and status changes on its team's.
 */
export const liveEventNames = { runEvents: 'run-events', runStatus: 'run-status' } as const;

/** Rooms whose events belong to one team (every room but `health` and a user's own): who may be in them depends on membership. */
export function isTeamRoom(room: string): boolean {
  return /^(team|run|output|page):/.test(room);
}
