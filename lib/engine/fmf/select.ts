import path from 'node:path';
import { evaluateCondition } from './condition';
import { FmfError } from './errors';
import { matchesFilter } from './filter';
import { pySearch } from './pyregex';
import { hasKey } from './values';
import type { FmfNode } from './tree';

/** fmf's `prune` (docs/FMF.md, "Prune and select"): the nodes of `climb()` that pass every criterion given. */
export interface PruneOptions {
  /** Consider branches too, not only leaves (and `select: true` nodes). */
  whole?: boolean;
  /** Keys that must be present in the data. */
  keys?: string[];
  /** Regular expressions searched in the node name; any must match. */
  names?: string[];
  /** Metadata file paths; the node must be defined by one of them. */
  sources?: string[];
  /** Filter expressions (regexp mode), all must match; an unknown key means "no match". */
  filters?: string[];
  /** Python-like conditions on the data, all must be true; a missing key means "no match". */
  conditions?: string[];
  sorted?: boolean;
}

export function prune(node: FmfNode, options: PruneOptions = {}): FmfNode[] {
  const { keys = [], names = [], filters = [], conditions = [] } = options;
  const sources = options.sources ? new Set(options.sources.map((source) => path.resolve(source))) : undefined;
  const selected: FmfNode[] = [];
  for (const candidate of node.climb(options.whole ?? false, options.sorted ?? true)) {
    if (!keys.every((key) => hasKey(candidate.data, key))) continue;
    if (names.length && !names.map((name) => pySearch(name, candidate.name)).some(Boolean)) continue;
    if (sources?.size && !candidate.sources.some((source) => sources.has(source))) continue;
    try {
      if (!filters.map((filter) => matchesFilter(filter, candidate.data, { regexp: true, name: candidate.name })).every(Boolean)) continue;
      if (!conditions.map((condition) => evaluateCondition(condition, candidate.data)).every(Boolean)) continue;
    } catch (error) {
      if (error instanceof FmfError && error.kind === 'FilterError') continue;
      throw error;
    }
    selected.push(candidate);
  }
  return selected;
}
