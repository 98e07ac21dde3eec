import { FmfError } from './errors';
import { memoByText } from './memo';
import { pySearch } from './pyregex';
import { pyStr, type FmfValue } from './values';

/**
 * fmf's context language (docs/FMF.md, "Context"): `when` conditions of adjust rules
 * evaluated against dimensions such as `distro=fedora-40`, with version-aware
 * comparisons and a three-valued outcome.
 */

export type Decision = boolean | 'cannot-decide';
export const CANNOT_DECIDE = 'cannot-decide' as const;

export type ContextOperator =
  '<' | '~<' | '<=' | '~<=' | '==' | '~=' | '!=' | '~!=' | '>=' | '~>=' | '>' | '~>' | '~' | '!~' | 'is defined' | 'is not defined';

/** One parsed expression: a constant (`true`/`false`) or `dimension operator values`. */
export type ContextExpression =
  { kind: 'constant'; value: boolean } | { kind: 'compare'; dimension: string; operator: ContextOperator; values: string[] | null };

/** OR groups, each a list of expressions joined by AND. */
export type ParsedRule = ContextExpression[][];

/** A dimension value: its raw text and its split form `(name, ...version parts)`. */
interface ContextValue {
  raw: string;
  parts: string[];
}

function contextValue(raw: string): ContextValue {
  return { raw, parts: raw.split(/[:\-.]/) };
}

/** Python's `\w` is Unicode-aware. */
const word = '[\\p{L}\\p{N}_]';
const orSplit = new RegExp(`(?<!${word})or(?!${word})`, 'u');
const andSplit = new RegExp(`(?<!${word})and(?!${word})`, 'u');
const comparisonOperators = ['<', '~<', '<=', '~<=', '==', '~=', '!=', '~!=', '>=', '~>=', '>', '~>', '~', '!~'];
const tripleExpression = new RegExp(`^((?:${word}|-)+)\\s*(${comparisonOperators.join('|')})\\s*([^=].*)`, 'u');
const doubleExpression = new RegExp(`^((?:${word}|-)+)\\s*(is defined|is not defined)`, 'u');

function splitRuleToGroups(rule: string): string[][] {
  return rule.split(orSplit).map((orGroup) => {
    if (!orGroup) throw new FmfError('InvalidRule', `Empty OR expression in ${rule}.`);
    return orGroup.split(andSplit).map((part) => {
      const stripped = part.trim();
      if (!stripped) throw new FmfError('InvalidRule', `Empty AND expression in ${rule}.`);
      return stripped;
    });
  });
}

function splitExpression(expression: string): ContextExpression {
  if (expression.startsWith('true')) return { kind: 'constant', value: true };
  if (expression.startsWith('false')) return { kind: 'constant', value: false };
  const triple = tripleExpression.exec(expression);
  if (triple) {
    return {
      kind: 'compare',
      dimension: triple[1],
      operator: triple[2] as ContextOperator,
      values: triple[3].split(',').map((value) => value.trim()),
    };
  }
  const double = doubleExpression.exec(expression);
  if (double) return { kind: 'compare', dimension: double[1], operator: double[2] as ContextOperator, values: null };
  throw new FmfError('InvalidRule', `Cannot parse expression '${expression}'.`);
}

/** Parses rule text: a single `=` means `==`, even inside values (`a=b` becomes `a==b`). */
const parseRuleText = memoByText((rule: string): ParsedRule => {
  const normalised = rule.replace(/(?<![=!~<>])=(?!=)/g, '==');
  return splitRuleToGroups(normalised).map((group) => group.map(splitExpression));
});

/** Parses a `when` value. Only strings and booleans are rules; anything else is the reference's TypeError. */
export function parseRule(rule: FmfValue | undefined): ParsedRule {
  if (typeof rule === 'boolean') return [[{ kind: 'constant', value: rule }]];
  if (typeof rule !== 'string') throw new FmfError('TypeError', `Invalid rule ${pyStr(rule ?? null)}: expected a string or a boolean`);
  return parseRuleText(rule);
}

class Undecidable extends Error {}

const splitRuleValues = new WeakMap<ContextExpression, ContextValue[]>();

function ruleValuesOf(expression: ContextExpression & { kind: 'compare' }): ContextValue[] {
  let values = splitRuleValues.get(expression);
  if (!values) {
    values = (expression.values ?? []).map(contextValue);
    splitRuleValues.set(expression, values);
  }
  return values;
}

function casefold(text: string): string {
  return text.toUpperCase().toLowerCase();
}

function sameText(first: string, second: string, caseSensitive: boolean): boolean {
  return caseSensitive ? first === second : casefold(first) === casefold(second);
}

/** Python `int(text)`, or undefined when it would raise ValueError. */
function pythonInt(text: string): bigint | undefined {
  const trimmed = text.trim();
  return /^[+-]?[0-9]+(?:_[0-9]+)*$/.test(trimmed) ? BigInt(trimmed.replace(/_/g, '')) : undefined;
}

function comparePart(first: string, second: string, caseSensitive: boolean): number {
  const firstNumber = pythonInt(first);
  const secondNumber = pythonInt(second);
  if (firstNumber !== undefined && secondNumber !== undefined) return firstNumber > secondNumber ? 1 : firstNumber < secondNumber ? -1 : 0;
  const a = caseSensitive ? first : casefold(first);
  const b = caseSensitive ? second : casefold(second);
  return a > b ? 1 : a < b ? -1 : 0;
}

interface CompareMode {
  minor: boolean;
  ordered: boolean;
  caseSensitive: boolean;
}

/** fmf's `version_cmp`: 0 equal, 1 / -1 ordered (or 1 "not equal"); throws Undecidable for CannotDecide. */
function versionCompare(left: string[], right: string[], mode: CompareMode): number {
  if (!sameText(left[0], right[0], mode.caseSensitive)) {
    if (mode.ordered) throw new Undecidable();
    return 1;
  }
  if (mode.minor && right.length > 1) {
    if (left.length < 2) throw new Undecidable();
    if (!sameText(left[1], right[1], mode.caseSensitive)) {
      if (!mode.ordered) return 1;
      if (right.length > 2) throw new Undecidable();
    }
  }
  const shared = Math.min(left.length, right.length);
  for (let index = 1; index < shared; index++) {
    const compared = comparePart(left[index], right[index], mode.caseSensitive);
    if (compared !== 0) return compared;
  }
  if (right.length <= left.length) return 0;
  if (mode.minor) throw new Undecidable();
  if (!mode.ordered) return 1;
  if (left.length === 1) throw new Undecidable();
  return -1;
}

type PairTest = (left: ContextValue, right: ContextValue, caseSensitive: boolean) => boolean;

function versionTest(minor: boolean, ordered: boolean, accept: (compared: number) => boolean): PairTest {
  return (left, right, caseSensitive) => accept(versionCompare(left.parts, right.parts, { minor, ordered, caseSensitive }));
}

const pairTests: Record<Exclude<ContextOperator, 'is defined' | 'is not defined'>, PairTest> = {
  '==': versionTest(false, false, (compared) => compared === 0),
  '!=': versionTest(false, false, (compared) => compared !== 0),
  '~=': versionTest(true, false, (compared) => compared === 0),
  '~!=': versionTest(true, false, (compared) => compared !== 0),
  '<': versionTest(false, true, (compared) => compared < 0),
  '<=': versionTest(false, true, (compared) => compared <= 0),
  '>': versionTest(false, true, (compared) => compared > 0),
  '>=': versionTest(false, true, (compared) => compared >= 0),
  '~<': versionTest(true, true, (compared) => compared < 0),
  '~<=': versionTest(true, true, (compared) => compared <= 0),
  '~>': versionTest(true, true, (compared) => compared > 0),
  '~>=': versionTest(true, true, (compared) => compared >= 0),
  // Regular expressions ignore case_sensitive, as in the reference.
  '~': (left, right) => pySearch(right.raw, left.raw),
  '!~': (left, right) => !pySearch(right.raw, left.raw),
};

/** A context: dimension name → values. Values are converted with Python `str()` (`40` → "40", `true` → "True"). */
export class Context {
  private readonly dimensions = new Map<string, ContextValue[]>();

  constructor(
    dimensions: Record<string, FmfValue | FmfValue[]> = {},
    public caseSensitive = true,
  ) {
    for (const [name, value] of Object.entries(dimensions)) {
      const values = (Array.isArray(value) ? value : [value]).map((item) => contextValue(pyStr(item)));
      // The reference stores a set keyed by the split form.
      const unique = values.filter(
        (item, index) => values.findIndex((other) => other.parts.join('\0') === item.parts.join('\0')) === index,
      );
      this.dimensions.set(name, unique);
    }
  }

  private evaluate(expression: ContextExpression): Decision {
    if (expression.kind === 'constant') return expression.value;
    const { dimension, operator } = expression;
    if (operator === 'is defined') return this.dimensions.has(dimension);
    if (operator === 'is not defined') return !this.dimensions.has(dimension);
    const dimensionValues = this.dimensions.get(dimension);
    if (!dimensionValues) return CANNOT_DECIDE;
    const test = pairTests[operator];
    const ruleValues = ruleValuesOf(expression);
    let decided = false;
    for (const left of dimensionValues) {
      for (const right of ruleValues) {
        try {
          if (test(left, right, this.caseSensitive)) return true;
          decided = true;
        } catch (error) {
          if (!(error instanceof Undecidable)) throw error;
        }
      }
    }
    return decided ? false : CANNOT_DECIDE;
  }

  /** Three-valued evaluation of a `when` rule: AND/OR where CannotDecide only yields to a decisive operand. */
  decide(rule: FmfValue | undefined): Decision {
    let outcome: Decision | undefined;
    for (const group of parseRule(rule)) {
      let groupOutcome: Decision | undefined;
      for (const expression of group) {
        const result = this.evaluate(expression);
        if (groupOutcome === undefined) groupOutcome = result;
        else if (groupOutcome === false || result === false) groupOutcome = false;
        else if (groupOutcome === true && result === true) groupOutcome = true;
        else groupOutcome = CANNOT_DECIDE;
        if (groupOutcome === false) break;
      }
      if (groupOutcome === true) return true;
      outcome = outcome === undefined ? groupOutcome : outcome === CANNOT_DECIDE || groupOutcome === CANNOT_DECIDE ? CANNOT_DECIDE : false;
    }
    return outcome === false ? false : CANNOT_DECIDE;
  }
}
