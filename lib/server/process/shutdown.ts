import { messageOf } from '../../shared/errors';
/**
 * Runs `cleanup` once on SIGINT or SIGTERM, then exits 0; a second signal
 * while cleaning up is ignored, so Ctrl-C twice cannot cut a clean stop short.
 */
export function onShutdown(name: string, cleanup: () => Promise<void>): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`${name}: ${signal}, stopping`);
    try {
      await cleanup();
    } catch (error) {
      console.error(`${name}: error while stopping: ${messageOf(error)}`);
      process.exit(1);
    }
    process.exit(0);
  };
  process.on('SIGINT', (signal) => void stop(signal));
  process.on('SIGTERM', (signal) => void stop(signal));
}
