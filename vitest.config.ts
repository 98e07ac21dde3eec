import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const alias = { '@': fileURLToPath(new URL('.', import.meta.url)) };

export default defineConfig({
  resolve: { alias },
  test: {
    reporters: ['default', './tests/support/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        // The core library: no database, no web server.
        resolve: { alias },
        test: {
          name: 'core',
          include: ['tests/{cli,fmf,control,exec,orchestrator,provision,process,worker,layout}/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The product: a fresh database plus a running web server and worker, shared by these files.
        // One file at a time: files that start workers with a container engine would otherwise take
        // each other's run jobs from the shared queue, and stop them when they finish.
        resolve: { alias },
        test: {
          name: 'app',
          include: ['tests/{app,browser,security}/**/*.test.ts'],
          globalSetup: ['tests/support/app-global-setup.ts'],
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // What a page shows within a second on a quiet machine can take several on CI's two loaded cores.
          expect: { poll: { timeout: 10_000 } },
        },
      },
    ],
  },
});
