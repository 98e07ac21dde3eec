import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FmfError } from './errors';

/**
 * Repositories fetched by URL + ref into a cache. Each resolved commit is
 * checked out once into its own directory (`<cache>/<repo>/commits/<sha>`),
 * never modified afterwards, so concurrent runs of different refs do not
 * disturb each other and a run can record exactly what it used.
 */
export interface FetchedRepository {
  url: string;
  ref: string | undefined;
  /** The full SHA of the commit the ref resolved to. */
  commit: string;
  /** Directory holding a checkout of `commit`. */
  checkout: string;
}

const run = promisify(execFile);

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'testyard', 'fmf');
}

/** A directory name for a URL: readable, and never a path outside the cache. */
function cacheName(url: string): string {
  return url.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'repository';
}

async function git(args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await run('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true' }, maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    throw new FmfError('FetchError', `Command 'git ${args.join(' ')}' failed: ${stderr || (error as Error).message}`);
  }
}

async function resolveCommit(mirror: string, ref: string | undefined): Promise<string> {
  const candidates = ref ? [`refs/remotes/origin/${ref}`, `refs/tags/${ref}`, ref] : ['refs/remotes/origin/HEAD'];
  for (const candidate of candidates) {
    try {
      return await git(['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`], mirror);
    } catch {
      // try the next interpretation of the ref
    }
  }
  throw new FmfError('FetchError', `Reference '${ref ?? 'HEAD'}' not found in the repository`);
}

/** Writes the files of `commit` into `target` (`git archive | tar -x`), without touching the shared clone's index. */
function exportCommit(mirror: string, commit: string, target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = spawn('git', ['-C', mirror, 'archive', '--format=tar', commit], { stdio: ['ignore', 'pipe', 'pipe'] });
    const extract = spawn('tar', ['-x', '-C', target], { stdio: ['pipe', 'ignore', 'pipe'] });
    archive.stdout.pipe(extract.stdin);
    let errors = '';
    archive.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    extract.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const exits = [archive, extract].map((child) => new Promise<number | null>((done, fail) => child.on('error', fail).on('close', done)));
    Promise.all(exits).then(([archiveCode, extractCode]) => {
      if (archiveCode === 0 && extractCode === 0) resolve();
      else reject(new Error(errors.trim() || `git archive exited ${archiveCode}, tar exited ${extractCode}`));
    }, reject);
  });
}

/** Clones (or updates) `url` in the cache, resolves `ref` (default branch when absent) and checks that commit out. */
export async function fetchRepository(url: string, ref?: string, cacheDir = defaultCacheDir()): Promise<FetchedRepository> {
  if (!url) throw new FmfError('FetchError', 'Repository URL is empty');
  const repositoryDir = path.join(cacheDir, cacheName(url));
  const mirror = path.join(repositoryDir, 'repository');
  await mkdir(repositoryDir, { recursive: true });
  if (!existsSync(path.join(mirror, '.git'))) {
    const temporary = `${mirror}.${process.pid}.${Date.now()}`;
    await git(['clone', '--quiet', '--no-checkout', '--', url, temporary]);
    try {
      await rename(temporary, mirror);
    } catch {
      // Another process cloned it meanwhile: use theirs.
      await rm(temporary, { recursive: true, force: true });
    }
  } else {
    await git(['fetch', '--quiet', '--force', '--tags', '--prune', 'origin', '+refs/heads/*:refs/remotes/origin/*'], mirror);
    await git(['remote', 'set-head', 'origin', '--auto'], mirror).catch(() => undefined);
  }
  const commit = await resolveCommit(mirror, ref);
  const checkout = path.join(repositoryDir, 'commits', commit);
  if (!existsSync(checkout)) {
    const temporary = `${checkout}.${process.pid}.${Date.now()}`;
    await mkdir(temporary, { recursive: true });
    try {
      await exportCommit(mirror, commit, temporary);
    } catch (error) {
      await rm(temporary, { recursive: true, force: true });
      throw new FmfError('FetchError', `Unable to check out ${commit} of ${url}: ${(error as Error).message}`);
    }
    try {
      await rename(temporary, checkout);
    } catch {
      await rm(temporary, { recursive: true, force: true });
    }
  }
  return { url, ref, commit, checkout };
}
