import type { LiveBroadcaster } from './events';
import { createLiveEmitter } from '../live/emitter';

const cache = globalThis as unknown as { testyardRunLive?: LiveBroadcaster };

/** The web process's emitter for run events (kept across Next.js hot reloads). */
export function sharedLiveEmitter(): LiveBroadcaster {
  if (!cache.testyardRunLive) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL is not set');
    cache.testyardRunLive = createLiveEmitter(url).emitter;
  }
  return cache.testyardRunLive;
}
