import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FmfError } from './errors';
import { messageOf } from '../../shared/errors';

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

/**
 * Who decides what may be fetched and read: the operator's policy in the
 * server and workers; absent on the command line, where the person running
 * it is the operator.
 */
export interface SourceAccess {
  /** How to reach `url` (address pinned, protocols limited); throws when it may not be fetched. */
  transport(url: string): Promise<{ url: string; config: string[]; env: Record<string, string> }>;
  /** The real path of a local folder that may be read as a tree; throws when it may not. */
  localFolder(folder: string): Promise<string>;
}

interface GitOptions {
  cwd?: string;
  transport?: { config: string[]; env: Record<string, string> };
  /** Replaced by "<cache>" in error messages: server paths are nobody's business. */
  cacheDir: string;
}

async function git(args: string[], options: GitOptions): Promise<string> {
  const config = (options.transport?.config ?? []).flatMap((setting) => ['-c', setting]);
  try {
    const { stdout } = await run('git', [...config, ...args], {
      cwd: options.cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', ...options.transport?.env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('hint:'))
      .join('\n')
      .split(options.cacheDir)
      .join('<cache>')
      .trim();
    throw new FmfError('FetchError', `git ${args[0]} failed: ${stderr || 'git exited with an error'}`);
  }
}

async function resolveCommit(mirror: string, ref: string | undefined, cacheDir: string): Promise<string> {
  const candidates = ref ? [`refs/remotes/origin/${ref}`, `refs/tags/${ref}`, ref] : ['refs/remotes/origin/HEAD'];
  for (const candidate of candidates) {
    try {
      return await git(['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`], { cwd: mirror, cacheDir });
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

/**
 * Clones (or updates) `url` in the cache, resolves `ref` (default branch when
 * absent) and checks that commit out. With `access`, every command that talks
 * to the remote goes through the transport it allows, checked anew each time.
 */
export async function fetchRepository(
  url: string,
  ref?: string,
  cacheDir = defaultCacheDir(),
  access?: SourceAccess,
): Promise<FetchedRepository> {
  if (!url) throw new FmfError('FetchError', 'Repository URL is empty');
  let transport: Awaited<ReturnType<SourceAccess['transport']>> | undefined;
  try {
    transport = await access?.transport(url);
  } catch (error) {
    throw new FmfError('FetchError', messageOf(error));
  }
  const remote = transport?.url ?? url;
  const repositoryDir = path.join(cacheDir, cacheName(url));
  const mirror = path.join(repositoryDir, 'repository');
  await mkdir(repositoryDir, { recursive: true });
  if (!existsSync(path.join(mirror, '.git'))) {
    const temporary = `${mirror}.${process.pid}.${Date.now()}`;
    await git(['clone', '--quiet', '--no-checkout', '--', remote, temporary], { transport, cacheDir });
    try {
      await rename(temporary, mirror);
    } catch {
      // Another process cloned it meanwhile: use theirs.
      await rm(temporary, { recursive: true, force: true });
    }
  } else {
    // The remote is named on every fetch (never the stored "origin"), so it goes through this call's transport.
    await git(['fetch', '--quiet', '--force', '--tags', '--prune', '--', remote, '+refs/heads/*:refs/remotes/origin/*'], {
      cwd: mirror,
      transport,
      cacheDir,
    });
    await updateDefaultBranch(mirror, remote, transport, cacheDir).catch(() => undefined);
  }
  const commit = await resolveCommit(mirror, ref, cacheDir);
  const checkout = path.join(repositoryDir, 'commits', commit);
  if (!existsSync(checkout)) {
    const temporary = `${checkout}.${process.pid}.${Date.now()}`;
    await mkdir(temporary, { recursive: true });
    try {
      await exportCommit(mirror, commit, temporary);
    } catch (error) {
      await rm(temporary, { recursive: true, force: true });
      throw new FmfError('FetchError', `Unable to check out ${commit} of ${url}: ${messageOf(error).split(cacheDir).join('<cache>')}`);
    }
    try {
      await rename(temporary, checkout);
    } catch {
      await rm(temporary, { recursive: true, force: true });
    }
  }
  return { url, ref, commit, checkout };
}

/** What `git remote set-head origin --auto` does, but asking `remote` through the transport. */
async function updateDefaultBranch(mirror: string, remote: string, transport: GitOptions['transport'], cacheDir: string): Promise<void> {
  const answer = await git(['ls-remote', '--symref', '--', remote, 'HEAD'], { cwd: mirror, transport, cacheDir });
  const branch = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(answer)?.[1];
  if (branch) await git(['symbolic-ref', 'refs/remotes/origin/HEAD', `refs/remotes/origin/${branch}`], { cwd: mirror, cacheDir });
}
