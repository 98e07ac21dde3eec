import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adjustTree } from '../../lib/engine/fmf/adjust';
import { Context } from '../../lib/engine/fmf/context';
import { prune } from '../../lib/engine/fmf/select';
import { loadTree, type FmfTree } from '../../lib/engine/fmf/tree';
import { deepCopy, isMapping, newMapping, type FmfMapping, type FmfValue } from '../../lib/engine/fmf/values';
import { conformanceTreePath, goldenTreeCases, readGolden, referenceClass } from './support/conformance';
import { strictEqual } from './support/strict-equal';

function mapping(entries: [string, FmfValue][]): FmfMapping {
  const result = newMapping();
  for (const [key, value] of entries) result[key] = value;
  return result;
}

function pruneResult(tree: FmfTree, filter: string, whole: boolean): FmfValue {
  try {
    return [...prune(tree.rootNode, { filters: [filter], whole })].map((node) => node.name);
  } catch (error) {
    return mapping([['error_class', referenceClass(error)]]);
  }
}

/** Produces the parts of a golden dump the engine can reproduce (messages excluded: only classes are compared). */
function dump(golden: FmfMapping): FmfMapping {
  const result = newMapping();
  const adjustLog: FmfValue[] = [];
  let stage = 'load';
  try {
    const tree = loadTree(conformanceTreePath(String(golden.tree)));
    // The reference dump records what nodes defined before adjust (which merges in place).
    const ownBeforeAdjust = new Map([...tree.rootNode.climb(true)].map((node) => [node, deepCopy(node.ownData)]));
    if (golden.context !== null) {
      stage = 'adjust';
      result.adjust_log = adjustLog;
      const context = new Context(golden.context as Record<string, FmfValue>);
      adjustTree(tree.rootNode, context, {
        undecided: golden.undecided === 'raise' ? 'raise' : 'skip',
        caseSensitive: golden.case_sensitive === true,
        onDecision: (node, rule, applied) =>
          adjustLog.push(
            mapping([
              ['node', node.name],
              ['rule', rule],
              ['applied', applied],
            ]),
          ),
      });
    }
    const relative = (source: string) => path.relative(tree.root, source);
    const nodes = [...tree.rootNode.climb(true)];
    Object.assign(result, {
      version: tree.version,
      config: tree.config,
      order: nodes.map((node) => node.name),
      climb: [...tree.rootNode.climb()].map((node) => node.name),
      nodes: mapping(nodes.map((node) => [node.name, node.data])),
      node_info: mapping(
        nodes.map((node) => [
          node.name,
          mapping([
            ['sources', node.sources.map(relative)],
            ['select', node.selected],
            ['children', [...node.children.keys()].sort()],
            ['directives', mapping(Object.entries(node.directives))],
            ['own', ownBeforeAdjust.get(node) ?? null],
          ]),
        ]),
      ),
      pruned: mapping((golden.filters as string[]).map((filter) => [filter, pruneResult(tree, filter, false)])),
      pruned_whole: mapping((golden.filters as string[]).map((filter) => [filter, pruneResult(tree, filter, true)])),
    });
  } catch (error) {
    Object.assign(result, { error_class: referenceClass(error), stage });
  }
  return result;
}

function expected(golden: FmfMapping, actual: FmfMapping): FmfMapping {
  const result = newMapping();
  for (const key of Object.keys(actual)) {
    let value = golden[key];
    if ((key === 'pruned' || key === 'pruned_whole') && isMapping(value)) {
      const pruned = value;
      value = mapping(
        Object.keys(pruned).map((filter) => {
          const outcome = pruned[filter];
          return [filter, isMapping(outcome) ? mapping([['error_class', outcome.error_class]]) : outcome];
        }),
      );
    }
    if (key === 'node_info' && isMapping(value)) {
      const info = value;
      value = mapping(
        Object.keys(info).map((name) => {
          const entry = info[name] as FmfMapping;
          return [
            name,
            mapping([
              ...Object.entries(entry).map(([field, fieldValue]): [string, FmfValue] => [
                field,
                field === 'children' ? [...(fieldValue as string[])].sort() : fieldValue,
              ]),
            ]),
          ];
        }),
      );
    }
    result[key] = value === undefined ? null : value;
  }
  return result;
}

describe('fmf conformance: tree dumps', () => {
  for (const { tree, caseName, file } of goldenTreeCases()) {
    it(`${tree} / ${caseName}`, () => {
      const golden = readGolden(file);
      const actual = dump(golden);
      const wanted = expected(golden, actual);
      for (const key of Object.keys(wanted)) {
        if (!strictEqual(actual[key], wanted[key])) {
          expect.soft(actual[key], `field ${key}`).toEqual(wanted[key]);
        }
      }
      expect(Object.keys(actual).sort()).toEqual(
        Object.keys(golden)
          .filter(
            (key) =>
              !['case', 'tree_path', 'tree', 'context', 'undecided', 'case_sensitive', 'filters', 'error', 'error_mro'].includes(key),
          )
          .sort(),
      );
    });
  }
});
