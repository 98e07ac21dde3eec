// Generates the Prisma client offline. `prisma generate` needs no native
// engine for the `prisma-client` generator, but the CLI still checks that a
// schema engine exists and tries to download one; pointing it at any existing
// file satisfies the check where Prisma's binaries cannot be fetched.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const cli = require.resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [cli, 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
