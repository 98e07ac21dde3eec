import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Context, parseRule, type ParsedRule } from '../../lib/engine/fmf/context';
import { matchesFilter } from '../../lib/engine/fmf/filter';
import type { FmfMapping, FmfValue } from '../../lib/engine/fmf/values';
import { conformanceDir, readGolden, referenceClass } from './support/conformance';

function goldenList(name: string): FmfMapping[] {
  return readGolden(path.join(conformanceDir(), 'golden', name)) as unknown as FmfMapping[];
}

/** The reference's `parsed` form: OR groups of `[dimension, operator, values]` (constants are `[null, bool, null]`). */
function parsedForm(parsed: ParsedRule): FmfValue {
  return parsed.map((group) =>
    group.map((expression) =>
      expression.kind === 'constant' ? [null, expression.value, null] : [expression.dimension, expression.operator, expression.values],
    ),
  );
}

function outcome(run: () => boolean | string): string | boolean {
  try {
    const result = run();
    return result === 'cannot-decide' ? 'CannotDecide' : result;
  } catch (error) {
    return `error: ${referenceClass(error)}`;
  }
}

function expectedOutcome(result: FmfValue): FmfValue {
  return typeof result === 'string' && result.startsWith('error: ') ? `error: ${result.slice(7).split(':')[0]}` : result;
}

describe('fmf conformance: context rules', () => {
  for (const [index, entry] of goldenList('context_cases.json').entries()) {
    it(`#${index} [${String(entry.group)}] ${JSON.stringify(entry.context)} ${String(entry.rule)} (case_sensitive=${String(entry.case_sensitive)})`, () => {
      const context = new Context(entry.context as Record<string, FmfValue>, entry.case_sensitive !== false);
      expect(outcome(() => context.decide(entry.rule))).toEqual(expectedOutcome(entry.result));
      expect(outcome(() => JSON.stringify(parsedForm(parseRule(entry.rule))))).toEqual(
        typeof entry.parsed === 'string' ? expectedOutcome(entry.parsed) : JSON.stringify(entry.parsed),
      );
    });
  }
});

describe('fmf conformance: filters', () => {
  for (const [index, entry] of goldenList('filter_cases.json').entries()) {
    it(`#${index} [${String(entry.group)}] ${JSON.stringify(entry.filter)} regexp=${String(entry.regexp)} sensitive=${String(entry.sensitive)}`, () => {
      const options = {
        regexp: entry.regexp === true,
        sensitive: entry.sensitive !== false,
        name: typeof entry.name === 'string' ? entry.name : undefined,
      };
      expect(outcome(() => matchesFilter(entry.filter as string | null, entry.data, options))).toEqual(expectedOutcome(entry.result));
    });
  }
});
