import { FmfError } from './errors';
import { memoByText } from './memo';
import { compilePythonRegex, pySearch } from './pyregex';
import { hasKey, isMapping, pyStr, pyTypeName, type FmfValue } from './values';

/**
 * fmf's filter expressions (docs/FMF.md, "Filter expressions"): `tag: A, -B & tier: 1 | /name`.
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

/** A literal: a node-name test, or a dimension with the values that must all match. */
type Clause = { names: string[]; dimensions: [string, string[]][] };

/** Splits a filter into clauses (`|`), literals (`&`) and dimensions; `\|` and `\&` escape the operators. */
const compileFilter = memoByText((text: string): Clause[] =>
  text.split(/\s*(?<!\\)\|\s*/).map((rawClause) => {
    const clause: Clause = { names: [], dimensions: [] };
    const byDimension = new Map<string, string[]>();
    for (const rawLiteral of rawClause.replace(/\\\|/g, '|').split(/\s*(?<!\\)&\s*/)) {
      const literal = rawLiteral.replace(/\\&/g, '&');
      const matched = /^([^:]*)\s*:\s*([^\n]*)\n?$/.exec(literal);
      if (!matched) {
        clause.names.push(literal);
        continue;
      }
      const [, dimension, value] = matched;
      const values = byDimension.get(dimension);
      if (values) values.push(value);
      else byDimension.set(dimension, [value]);
    }
    clause.dimensions = [...byDimension];
    return clause;
  }),
);

/** The data values of one key as Python `str()` texts (lists item by item). */
function dataTexts(value: FmfValue, sensitive: boolean): string[] {
  const texts = Array.isArray(value) ? value.map((item) => pyStr(item)) : [pyStr(value)];
  return sensitive ? texts : texts.map((text) => text.toLowerCase());
}

/** Evaluates a filter against node data; FilterError for an unknown key or a name test without a name. */
export function matchesFilter(filter: string | null | undefined, data: FmfValue, options: FilterOptions = {}): boolean {
  const { sensitive = true, regexp = false, name } = options;
  if (filter === null || filter === undefined || filter === '') return true;
  if (!isMapping(data)) throw new FmfError('FilterError', `Invalid data type '${pyTypeName(data)}'`);
  // Case-insensitive mode compares lowercased keys; only the keys a filter uses are converted.
  const keys = sensitive ? undefined : new Map(Object.keys(data).map((key) => [key.toLowerCase(), key]));
  const lookup = (dimension: string): string[] | undefined => {
    const key = keys ? keys.get(dimension) : hasKey(data, dimension) ? dimension : undefined;
    return key === undefined ? undefined : dataTexts(data[key], sensitive);
  };

  const matchValue = (pattern: string, candidate: string) =>
    regexp ? compilePythonRegex(`^${pattern}$`).test(candidate) : pattern === candidate;

  const checkValue = (items: string[], value: string): boolean => {
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
    if (name === undefined)
      throw new FmfError('FilterError', `Filter by name '${pattern}' requested but node name not provided to 'filter()'.`);
    return regexp ? pySearch(pattern, name) : pattern === name;
  };

  const checkClause = (clause: Clause): boolean => {
    if (!clause.names.every(checkName)) return false;
    // Every dimension is checked (no short-circuit), so an unknown key always raises.
    const results = clause.dimensions.map(([dimension, values]) => {
      const items = lookup(dimension);
      if (!items) throw new FmfError('FilterError', `Invalid filter '${dimension}'`);
      return values.map((value) => checkValue(items, value)).every(Boolean);
    });
    return results.every(Boolean);
  };

  // Every clause is evaluated (no short-circuit), as in the reference.
  return compileFilter(sensitive ? filter : filter.toLowerCase())
    .map(checkClause)
    .some(Boolean);
}
