/**
 * Live events of a run page or a result page (room `rooms.page`): who is
 * looking, and its comments; and of a user's own room: their unread count.
 */
export const collaborationEventNames = {
  /** server → page: the page's viewers, a PresenceViewer[] */
  presence: 'presence',
  /** browser → server: "I am on this page" (a PresenceJoin), again whenever the selection changes */
  presenceJoin: 'presence:join',
  /** browser → server: "I left this page" (its room) */
  presenceLeave: 'presence:leave',
  /** server → page: a CommentChange */
  comment: 'comment',
  /** server → user: a NotificationCount */
  notifications: 'notifications',
} as const;

export interface PresenceJoin {
  room: string;
  /** the log lines selected on a result page, e.g. "L10-L20" (a URL fragment), or null */
  selection: string | null;
}

export interface PresenceViewer {
  userId: string;
  name: string;
  selection: string | null;
}

export interface CommentPayload {
  id: string;
  author: { id: string; name: string } | null;
  body: string;
  mentions: { id: string; name: string }[];
  createdAt: string;
  updatedAt: string;
}

export type CommentChange = { action: 'created' | 'edited'; comment: CommentPayload } | { action: 'deleted'; id: string };

export interface NotificationCount {
  unread: number;
}
