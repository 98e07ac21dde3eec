// Builds the Next.js app when its sources changed since the last build, so
// `npm start` and `npm test` need no separate build step.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const inputs = ['app', 'lib', 'public', 'next.config.js', 'postcss.config.mjs', 'package-lock.json', 'tsconfig.json'];

export async function buildIfNeeded(root: string, log: (line: string) => void): Promise<void> {
  const stampFile = path.join(root, '.next', 'testyard-build-stamp');
  const fingerprint = await sourceFingerprint(root);
  if ((await readFile(stampFile, 'utf8').catch(() => null)) === fingerprint) return;
  log('building the web app (next build); this happens once per change of its sources');
  const nextCli = createRequire(import.meta.url).resolve('next/dist/bin/next');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [nextCli, 'build'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`next build failed with exit code ${code}`))));
  });
  await writeFile(stampFile, fingerprint);
}

/** A fingerprint of everything `next build` reads, from file names, sizes and modification times. */
async function sourceFingerprint(root: string): Promise<string> {
  const hash = createHash('sha256');
  async function visit(relative: string): Promise<void> {
    const info = await stat(path.join(root, relative)).catch(() => null);
    if (!info) return;
    if (!info.isDirectory()) {
      hash.update(`${relative}\0${info.size}\0${info.mtimeMs}\n`);
      return;
    }
    for (const entry of (await readdir(path.join(root, relative))).sort()) await visit(path.join(relative, entry));
  }
  for (const input of inputs) await visit(input);
  return hash.digest('hex');
}
