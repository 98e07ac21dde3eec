import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { artifactsDir, dataDir, environment, projectRoot } from '../config';
import { defaultCacheDir } from '../../engine/fmf/git';
import { normaliseApiUrl, publicTestingFarmUrl } from '../../engine/network/endpoints';
import { OutboundPolicy } from '../../engine/network/outbound';
import { RepositorySources } from '../../engine/network/repository-sources';

/**
 * What the operator lets tenants make the web server and workers reach,
 * from the environment (see the README's table and docs/THREAT_MODEL.md).
 */
export interface OperatorPolicy {
  outbound: OutboundPolicy;
  sources: RepositorySources;
  /** Testing Farm API endpoints a platform may use; the first is the default. */
  testingFarmUrls: readonly string[];
}

let cached: OperatorPolicy | undefined;

export function operatorPolicy(): OperatorPolicy {
  cached ??= policyFromEnvironment(environment());
  return cached;
}

/** What provisioners built for tenants must respect (see ProvisionerContext). */
export function provisionerLimits(): { outbound: OutboundPolicy; testingFarmUrls: readonly string[] } {
  const { outbound, testingFarmUrls } = operatorPolicy();
  return { outbound, testingFarmUrls };
}

export function policyFromEnvironment(env: Record<string, string | undefined>): OperatorPolicy {
  const outbound = OutboundPolicy.fromLists(list(env.TESTYARD_OUTBOUND_ALLOW), list(env.TESTYARD_OUTBOUND_DENY), ownAddresses());
  const sources = new RepositorySources({
    localRoots: list(env.TESTYARD_LOCAL_REPO_ROOTS).map((root) => {
      if (!path.isAbsolute(root)) throw new Error(`TESTYARD_LOCAL_REPO_ROOTS: ${root} is not an absolute path`);
      return path.resolve(root);
    }),
    // The git cache holds every team's repositories: reading it as a "local repository" would cross teams.
    forbidden: [dataDir(), artifactsDir(), path.dirname(defaultCacheDir()), appFolder()],
    outbound,
  });
  const testingFarmUrls = list(env.TESTYARD_TESTING_FARM_URLS ?? publicTestingFarmUrl).map((url) => {
    const normalised = normaliseApiUrl(url);
    if (!normalised) throw new Error(`TESTYARD_TESTING_FARM_URLS: ${url} is not an http(s) URL`);
    return normalised;
  });
  if (testingFarmUrls.length === 0) throw new Error('TESTYARD_TESTING_FARM_URLS lists no endpoint');
  return { outbound, sources, testingFarmUrls };
}

/** The app's own checkout. Modules in the Next.js bundle have no path of their own; the web server runs from the checkout. */
function appFolder(): string {
  return import.meta.dirname ? projectRoot() : process.cwd();
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

function ownAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .map((entry) => entry.address.split('%')[0]!);
}
