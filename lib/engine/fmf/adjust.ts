import { CANNOT_DECIDE, type Context } from './context';
import { FmfError } from './errors';
import { mergeSpecial } from './merge';
import { hasKey, isMapping, newMapping, pyRepr, pyTypeName, type FmfMapping, type FmfValue } from './values';
import type { FmfNode } from './tree';

/**
 * fmf's `adjust` (docs/FMF.md, "Adjust"): for every node, pre-order in insertion order,
 * evaluate the rules found in its (inherited) data and merge the matching
 * ones into the data with the suffix rules.
 */
export interface AdjustOptions {
  /** The data key holding the rules (default `adjust`). */
  key?: string;
  /** What a rule whose condition cannot be decided does: skipped (default) or an error. */
  undecided?: 'skip' | 'raise';
  caseSensitive?: boolean;
  /** Called for every rule inspected: applied true/false, or null when undecided. */
  onDecision?: (node: FmfNode, rule: FmfMapping, applied: boolean | null) => void;
}

const controlKeys = new Set(['when', 'because', 'continue']);

function ruleList(node: FmfNode, key: string): FmfValue[] {
  if (!hasKey(node.data, key)) return [];
  const rules = node.data[key];
  if (isMapping(rules)) return [rules];
  if (Array.isArray(rules)) return [...rules];
  throw new FmfError(
    'FormatError',
    `Invalid adjust rule format in '${node.name}'. Should be a dictionary or a list of dictionaries, got '${pyTypeName(rules)}'.`,
  );
}

function withRuleContext(error: unknown, node: FmfNode, rule: FmfMapping): unknown {
  if (!(error instanceof FmfError) || error.message.includes(' in rule ')) return error;
  return new FmfError(error.kind, `${error.message} (node '${node.name}', in rule ${pyRepr(rule)})`);
}

function applyRules(node: FmfNode, rules: FmfValue[], context: Context, options: AdjustOptions): void {
  for (const rule of rules) {
    if (!isMapping(rule))
      throw new FmfError('FormatError', `Adjust rule should be a dictionary (node '${node.name}', got ${pyRepr(rule)}).`);
    const condition = hasKey(rule, 'when') ? rule.when : true;
    const continueAfterMatch = hasKey(rule, 'continue') ? rule.continue : true;
    if (typeof continueAfterMatch !== 'boolean') {
      throw new FmfError('FormatError', `The 'continue' value should be bool, got '${pyRepr(continueAfterMatch)}' (node '${node.name}').`);
    }
    try {
      const decision = context.decide(condition);
      if (decision === CANNOT_DECIDE) {
        options.onDecision?.(node, rule, null);
        if (options.undecided === 'raise') {
          throw new FmfError('CannotDecide', `Cannot decide condition '${String(condition)}' for node '${node.name}'.`);
        }
        continue;
      }
      options.onDecision?.(node, rule, decision);
      if (!decision) continue;
      const changes = newMapping();
      for (const key of Object.keys(rule)) if (!controlKeys.has(key)) changes[key] = rule[key];
      mergeSpecial(node.data, changes, node.name);
      if (!continueAfterMatch) break;
    } catch (error) {
      throw withRuleContext(error, node, rule);
    }
  }
}

/** Adjusts `node` and its subtree in place. The first error aborts; nodes already adjusted stay modified, as in the reference. */
export function adjustTree(node: FmfNode, context: Context, options: AdjustOptions = {}): void {
  if (options.caseSensitive !== undefined) context.caseSensitive = options.caseSensitive;
  applyRules(node, ruleList(node, options.key ?? 'adjust'), context, options);
  for (const child of node.children.values()) adjustTree(child, context, options);
}
