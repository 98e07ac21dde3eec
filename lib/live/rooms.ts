/** Socket.IO rooms: browsers join them, workers and web nodes emit to them. */
export const rooms = {
  health: 'health',
  team: (teamId: string) => `team:${teamId}`,
  run: (runId: string) => `run:${runId}`,
  /** Every socket of a user, so a change of their access reaches all of them; never joined on request. */
  user: (userId: string) => `user:${userId}`,
};

/** The table Socket.IO's Postgres adapter and emitter share for payloads too large for NOTIFY. */
export const attachmentsTable = 'socket_io_attachments';
