import type { LiveBroadcaster } from './events';
import { createLiveEmitter } from '../live/emitter';
import { requireDatabaseUrl } from '../config';

const cache = globalThis as unknown as { testyardRunLive?: LiveBroadcaster };

/** The web process's emitter for run events (kept across Next.js hot reloads). */
export function sharedLiveEmitter(): LiveBroadcaster {
  if (!cache.testyardRunLive) {
    cache.testyardRunLive = createLiveEmitter(requireDatabaseUrl()).emitter;
  }
  return cache.testyardRunLive;
}
