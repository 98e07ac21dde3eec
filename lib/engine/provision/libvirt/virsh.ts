import { execFile } from 'node:child_process';

/** A virsh command that failed; `message` carries libvirt's own error text. */
export class VirshError extends Error {
  override readonly name = 'VirshError';
}

export interface VirshOptions {
  /** A libvirt connection URI built by this module (never one a platform supplied verbatim). */
  uri: string;
  /** Per command. Default 120 s (cloning a large volume is one command). */
  timeoutMs?: number;
}

/**
 * libvirt's own command-line client over its API: one `virsh` process per
 * call, arguments passed as argv (no shell), output in the C locale.
 */
export class Virsh {
  constructor(private readonly options: VirshOptions) {}

  run(args: readonly string[], signal?: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        'virsh',
        ['--quiet', '--connect', this.options.uri, ...args],
        {
          timeout: this.options.timeoutMs ?? 120_000,
          signal,
          maxBuffer: 16 * 1024 * 1024,
          env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
        },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          if (signal?.aborted) return reject(signal.reason as Error);
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') return reject(new VirshError('virsh is not installed on this worker (Debian: libvirt-clients)'));
          const reason =
            stderr
              .replace(/^error: /gm, '')
              .trim()
              .split('\n')
              .join('; ') || error.message;
          reject(new VirshError(`virsh ${args[0] ?? ''}: ${reason}`));
        },
      );
    });
  }
}
