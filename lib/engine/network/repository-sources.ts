import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { OutboundPolicy } from './outbound';

/** A repository source the operator's policy refuses; the message is safe to show the tenant (no server paths). */
export class RepositorySourceRefused extends Error {}

export type RepositoryLocation =
  { kind: 'remote'; scheme: 'https' | 'ssh' | 'git'; host: string; port: number } | { kind: 'local'; path: string };

const defaultPorts = { https: 443, ssh: 22, git: 9418 } as const;

/**
 * Where a git URL points, as git itself reads it: `https://`, `ssh://`,
 * `git://`, scp-like `user@host:path`, or a local folder (`file://` or an
 * absolute path). Anything else (http, ext::, relative paths, options in
 * disguise) is null.
 */
export function parseRepositoryUrl(url: string): RepositoryLocation | null {
  // whitespace, options in disguise, and git's "<helper>::<address>" remote helpers (ext::, fd::)
  if (/[\s\0]/.test(url) || url.startsWith('-') || /^[\w+.-]*::/.test(url)) return null;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'file') {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return null;
    }
    if (parsed.host && parsed.host !== 'localhost') return null;
    const local = safeDecode(parsed.pathname);
    return local ? { kind: 'local', path: local } : null;
  }
  if (scheme === 'https' || scheme === 'ssh' || scheme === 'git') {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return null;
    }
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    if (!validHost(host)) return null;
    return { kind: 'remote', scheme, host, port: parsed.port ? Number(parsed.port) : defaultPorts[scheme] };
  }
  if (scheme) return null;
  if (url.startsWith('/')) return { kind: 'local', path: url };
  // scp-like syntax: [user@]host:path, where no slash comes before the first colon (git's own rule)
  const scp = /^(?:([\w.+-]+)@)?(\[[0-9a-f:.]+\]|[^/:@[\]]+):(.*)$/i.exec(url);
  if (!scp) return null;
  const host = scp[2]!.replace(/^\[(.*)\]$/, '$1');
  return validHost(host) ? { kind: 'remote', scheme: 'ssh', host, port: 22 } : null;
}

function validHost(host: string): boolean {
  return /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(host) || /^[0-9a-f:.]+$/i.test(host);
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/** How git must be run to reach one remote: the URL to use, extra `-c` settings and environment. */
export interface GitTransport {
  url: string;
  config: string[];
  env: Record<string, string>;
}

export interface RepositorySourceOptions {
  /** Folders under which local repositories (paths, `file://`) may be; none by default. */
  localRoots: readonly string[];
  /** Folders never read as repositories, even under a root: the app's data, caches and its own checkout. */
  forbidden: readonly string[];
  outbound: OutboundPolicy;
}

/**
 * What repositories a tenant may point the server at: git remotes over
 * https, ssh or git (checked against the outbound policy when fetched) and
 * local folders only under the operator's roots.
 */
export class RepositorySources {
  constructor(private readonly options: RepositorySourceOptions) {}

  /** Refuses what is never fetchable, without touching the network or the disk: for validating input. */
  describe(url: string): RepositoryLocation {
    const location = parseRepositoryUrl(url);
    if (!location) throw new RepositorySourceRefused('not a git URL: use https://, ssh://, git:// or user@host:path');
    if (location.kind === 'local' && this.options.localRoots.length === 0) {
      throw new RepositorySourceRefused(
        'local repositories are not allowed on this server (the operator lists their folders in TESTYARD_LOCAL_REPO_ROOTS)',
      );
    }
    return location;
  }

  /**
   * A local folder as the real path to read, when it lies under a root and
   * away from the app's own folders. The refusal is the same whether or not
   * the folder exists, so nobody can probe the server's disk.
   */
  async localFolder(folder: string): Promise<string> {
    const refused = new RepositorySourceRefused(
      'this folder is not under a folder the operator allows for local repositories (TESTYARD_LOCAL_REPO_ROOTS)',
    );
    if (!path.isAbsolute(folder)) throw refused;
    const lexical = path.resolve(folder);
    const under = (candidate: string, root: string) => root === '/' || candidate === root || candidate.startsWith(root + path.sep);
    const allowed = async (candidate: string) => {
      const roots = await Promise.all(this.options.localRoots.map(realOrSelf));
      const forbidden = await Promise.all(this.options.forbidden.map(realOrSelf));
      return roots.some((root) => under(candidate, root)) && !forbidden.some((dir) => under(candidate, dir) || under(dir, candidate));
    };
    if (!(await allowed(lexical))) throw refused;
    let real: string;
    try {
      real = await realpath(lexical);
    } catch {
      throw new RepositorySourceRefused('this folder cannot be read');
    }
    if (!(await allowed(real))) throw refused;
    return real;
  }

  /** How to run git against `url`, checked now (at fetch time): the remote's address resolved, checked and pinned. */
  async transport(url: string): Promise<GitTransport> {
    const location = this.describe(url);
    if (location.kind === 'local') {
      const folder = await this.localFolder(location.path);
      return { url: folder, config: [], env: { GIT_ALLOW_PROTOCOL: 'file' } };
    }
    const address = await this.options.outbound.resolveOne(location.host);
    const bracketed = address.includes(':') ? `[${address}]` : address;
    const env: Record<string, string> = { GIT_ALLOW_PROTOCOL: location.scheme };
    // git's own redirects would reach hosts nobody checked
    const config = ['http.followRedirects=false'];
    if (location.scheme === 'https') config.push(`http.curloptResolve=${location.host}:${location.port}:${bracketed}`);
    if (location.scheme === 'ssh') {
      // the checked address, never a proxy or jump host from the worker's ssh configuration
      env.GIT_SSH_COMMAND = `${process.env.GIT_SSH_COMMAND ?? 'ssh'} -o HostName=${address} -o ProxyCommand=none -o ProxyJump=none -o BatchMode=yes`;
      env.GIT_SSH_VARIANT = 'ssh';
    }
    if (location.scheme === 'git') {
      const parsed = new URL(url);
      parsed.hostname = bracketed;
      return { url: parsed.toString(), config, env };
    }
    return { url, config, env };
  }
}

async function realOrSelf(folder: string): Promise<string> {
  const resolved = path.resolve(folder);
  return realpath(resolved).catch(() => resolved);
}
