import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toAtexResult } from '../../lib/engine/fmf/atex-result';
import { discoverTests } from '../../lib/engine/fmf/discover';
import { parseJson, toJson } from '../../lib/engine/fmf/json';
import { isMapping, type FmfMapping } from '../../lib/engine/fmf/values';
import { conformanceDir, conformanceTreePath, readGolden, referenceClass } from './support/conformance';
import { strictEqual } from './support/strict-equal';

const goldenDir = () => path.join(conformanceDir(), 'golden', 'atex-discover');

/** Cases that need the network in the reference run (a remote `url` section); see git-cache.test.ts for the real thing. */
const networkErrors = new Set(['MaxRetryError', 'FetchError']);

describe('fmf conformance: atex discover', () => {
  for (const file of readdirSync(goldenDir()).filter((name) => name.endsWith('.json'))) {
    const golden = readGolden(path.join(goldenDir(), file));
    const isNetworkCase = typeof golden.error_class === 'string' && networkErrors.has(golden.error_class);
    it.skipIf(isNetworkCase)(file, async () => {
      const args = golden.args as FmfMapping;
      const list = (key: string) => (Array.isArray(args[key]) ? (args[key] as string[]) : undefined);
      let outcome: FmfMapping;
      try {
        const result = await discoverTests(conformanceTreePath(String(golden.tree)), {
          plan: typeof golden.plan === 'string' ? golden.plan : undefined,
          names: list('names'),
          filters: list('filters'),
          conditions: list('conditions'),
          excludes: list('excludes'),
          context: isMapping(args.context) ? (args.context as Record<string, string>) : undefined,
          libraries: args.libraries === true,
        });
        outcome = { result: parseJson(toJson(toAtexResult(result))) } as FmfMapping;
      } catch (error) {
        outcome = { error_class: referenceClass(error) } as FmfMapping;
      }
      if (golden.error_class !== undefined) {
        expect(outcome).toEqual({ error_class: golden.error_class });
        return;
      }
      const wanted = golden.result as FmfMapping;
      expect(outcome.error_class).toBeUndefined();
      const actual = outcome.result as FmfMapping;
      for (const key of Object.keys(wanted)) {
        if (!strictEqual(actual[key], wanted[key])) expect.soft(actual[key], `field ${key}`).toEqual(wanted[key]);
      }
      expect(Object.keys(actual).sort()).toEqual(Object.keys(wanted).sort());
    });
  }
});
