import { listlike, type DiscoveredTests } from './discover';
import { isMapping, newMapping, type FmfMapping } from './values';
import type { JsonLike } from './json';

/** Environment mappings merged in order, values as written (atex merges `listlike(data, "environment")`). */
function rawEnvironment(data: FmfMapping): FmfMapping {
  const environment = newMapping();
  for (const item of listlike(data, 'environment')) if (isMapping(item)) Object.assign(environment, item);
  return environment;
}

/**
 * The shape of the `result` object of the atex-discover golden files, which
 * `testyard fmf tests --json` prints: plan, test_order, tests, sources,
 * plan_environment, prepare, finish, test_runtime, all_pkg_requires, libs.
 */
export function toAtexResult(discovered: DiscoveredTests): { [key: string]: JsonLike } {
  const byName = <T extends JsonLike>(pick: (test: DiscoveredTests['tests'][number]) => T) =>
    Object.fromEntries(discovered.tests.map((test) => [test.name, pick(test)]));
  return {
    plan: discovered.plan,
    test_order: discovered.tests.map((test) => test.name),
    tests: byName((test) => test.data),
    sources: byName((test) => test.source),
    plan_environment: rawEnvironment(discovered.plan),
    prepare: discovered.prepare.map((step) => ({ ...step }) as { [key: string]: JsonLike }),
    finish: discovered.finish.map((step) => ({ ...step }) as { [key: string]: JsonLike }),
    test_runtime: byName((test) => ({
      environment: rawEnvironment(test.data),
      duration: test.runtime.duration,
      duration_seconds: test.runtime.durationSeconds,
      tty: test.runtime.tty,
      pkg_requires: test.runtime.pkgRequires,
      pkg_recommends: test.runtime.pkgRecommends,
    })),
    all_pkg_requires: discovered.allPkgRequires,
    libs: discovered.libraries.map((placement) =>
      'symlink' in placement
        ? { path: placement.path, symlink: placement.symlink }
        : { path: placement.path, copy_from: placement.copyFrom },
    ),
  };
}
