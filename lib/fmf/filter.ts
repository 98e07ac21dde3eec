import { FmfError } from './errors';
import { compilePythonRegex, pySearch } from './pyregex';
import { isMapping, pyStr, pyTypeName, type FmfValue } from './values';

/**
 * fmf's filter expressions (FMF.md §9): `tag: A, -B & tier: 1 | /name`.
 * `|` separates clauses (OR), `&` literals (AND), commas separate ORed
 * atoms, `-` negates an atom; a literal without `:` tests the node name.
 */
export interface FilterOptions {
  /** Case-sensitive matching (default true). Lowercases filter, keys and values, not the name. */
  sensitive?: boolean;
  /** Values are regular expressions matched in full; names are searched (what prune uses). */
  regexp?: boolean;
  /** The node name, needed for name literals. */
  name?: string;
}

function normaliseData(data: Record<string, FmfValue>, sensitive: boolean): Map<string, string[]> {
  const normalised = new Map<string, string[]>();
  for (const key of Object.keys(data)) {
    const value = data[key];
    const texts = Array.isArray(value) ? value.map((item) => pyStr(item)) : [pyStr(value)];
    normalised.set(sensitive ? key : key.toLowerCase(), sensitive ? texts : texts.map((text) => text.toLowerCase()));
  }
  return normalised;
}

/** Evaluates a filter against node data; FilterError for an unknown key or a name test without a name. */
export function matchesFilter(filter: string | null | undefined, data: FmfValue, options: FilterOptions = {}): boolean {
  const { sensitive = true, regexp = false, name } = options;
  if (filter === null || filter === undefined || filter === '') return true;
  if (!isMapping(data)) throw new FmfError('FilterError', `Invalid data type '${pyTypeName(data)}'`);
  const values = normaliseData(data, sensitive);
  const text = sensitive ? filter : filter.toLowerCase();

  const matchValue = (pattern: string, candidate: string) => (regexp ? compilePythonRegex(`^${pattern}$`).test(candidate) : pattern === candidate);

  const checkValue = (dimension: string, value: string): boolean => {
    const items = values.get(dimension) ?? [];
    for (const atom of value.split(/\s*,\s*/)) {
      if (atom.startsWith('-')) {
        const negated = atom.slice(1);
        if (!items.some((item) => matchValue(negated, item))) return true;
      } else if (items.some((item) => matchValue(atom, item))) {
        return true;
      }
    }
    return false;
  };

  const checkName = (pattern: string): boolean => {
    if (name === undefined) throw new FmfError('FilterError', `Filter by name '${pattern}' requested but node name not provided to 'filter()'.`);
    return regexp ? pySearch(pattern, name) : pattern === name;
  };

  const checkClause = (clause: string): boolean => {
    const literals = new Map<string, string[]>();
    for (const rawLiteral of clause.split(/\s*(?<!\\)&\s*/)) {
      const literal = rawLiteral.replace(/\\&/g, '&');
      const matched = /^([^:]*)\s*:\s*([^\n]*)\n?$/.exec(literal);
      if (!matched) {
        if (checkName(literal)) continue;
        return false;
      }
      const [, dimension, value] = matched;
      literals.set(dimension, [...(literals.get(dimension) ?? []), value]);
    }
    // Every dimension is checked (no short-circuit), so an unknown key always raises.
    const results = [...literals].map(([dimension, dimensionValues]) => {
      if (!values.has(dimension)) throw new FmfError('FilterError', `Invalid filter '${dimension}'`);
      return dimensionValues.map((value) => checkValue(dimension, value)).every(Boolean);
    });
    return results.every(Boolean);
  };

  // Every clause is evaluated (no short-circuit), as in the reference.
  const clauses = text.split(/\s*(?<!\\)\|\s*/).map((clause) => checkClause(clause.replace(/\\\|/g, '|')));
  return clauses.some(Boolean);
}
