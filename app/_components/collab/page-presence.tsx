'use client';

import { useEffect, useState } from 'react';
import { io } from 'socket.io-client';
import { collaborationEventNames, type PresenceJoin, type PresenceViewer } from '@/lib/shared/events/collaboration';
import { lineSelectionEvent } from '../run/log-viewer';

/** The selected log lines as the URL names them ("L10-L20"), or null. */
function currentSelection(): string | null {
  const match = /^#(L\d{1,9}(?:-L?\d{1,9})?)$/.exec(window.location.hash);
  return match ? match[1]! : null;
}

function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]![0], words.at(-1)![0]] : [...(words[0] ?? '?')].slice(0, 2);
  return letters.join('').toUpperCase();
}

/** A stable colour per person, so the same avatar looks the same on every page. */
function hue(userId: string): number {
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return Math.abs(hash) % 360;
}

/**
 * Who else is on this page right now, live; on a result page also the log
 * lines each of them has selected (a link that selects the same lines here).
 */
export function PagePresence({ room, currentUserId, showSelections }: { room: string; currentUserId: string; showSelections: boolean }) {
  const [viewers, setViewers] = useState<PresenceViewer[]>([]);
  useEffect(() => {
    const socket = io({ transports: ['websocket'] });
    const join = () => {
      const message: PresenceJoin = { room, selection: showSelections ? currentSelection() : null };
      socket.emit(collaborationEventNames.presenceJoin, message);
    };
    socket.on('connect', join);
    socket.on(collaborationEventNames.presence, (list: PresenceViewer[]) => setViewers(list));
    socket.on('disconnect', () => setViewers([]));
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A drag over many lines sends one update, not one per line.
    const selectionChanged = () => {
      clearTimeout(timer);
      timer = setTimeout(join, 250);
    };
    if (showSelections) {
      window.addEventListener(lineSelectionEvent, selectionChanged);
      window.addEventListener('hashchange', selectionChanged);
    }
    return () => {
      clearTimeout(timer);
      window.removeEventListener(lineSelectionEvent, selectionChanged);
      window.removeEventListener('hashchange', selectionChanged);
      socket.emit(collaborationEventNames.presenceLeave);
      socket.close();
    };
  }, [room, showSelections]);

  if (viewers.length === 0) return null;
  return (
    <div className="flex flex-wrap items-center gap-2 text-xs text-slate-500" data-testid="presence" aria-label="people on this page">
      <span>Here now:</span>
      {viewers.map((viewer) => (
        <span key={viewer.userId} className="flex items-center gap-1" data-testid="presence-viewer" data-user={viewer.userId}>
          <span
            className="inline-flex h-7 w-7 items-center justify-center rounded-full text-[11px] font-semibold text-white"
            style={{ backgroundColor: `hsl(${hue(viewer.userId)} 55% 42%)` }}
            title={`${viewer.name}${viewer.userId === currentUserId ? ' (you)' : ''}${viewer.selection ? ` — lines ${viewer.selection}` : ''}`}
          >
            {initials(viewer.name)}
          </span>
          {showSelections && viewer.selection && viewer.userId !== currentUserId && (
            <a className="font-mono text-indigo-700 hover:underline" href={`#${viewer.selection}`} data-testid="presence-selection">
              {viewer.selection}
            </a>
          )}
        </span>
      ))}
    </div>
  );
}
