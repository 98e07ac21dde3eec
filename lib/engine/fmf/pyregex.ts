import { FmfError } from './errors';
import { memoByText } from './memo';
import { messageOf } from '../../shared/errors';

/**
 * Python `re` patterns run on JavaScript RegExp. The syntax differences that
 * matter for fmf metadata are translated: `(?P<name>…)`, `(?P=name)`, `\A`,
 * `\Z`, leading inline flags, `{,n}`, and `$` (which in Python also matches
 * before a final newline). Known deviation: `\w`, `\d` and `\b` stay ASCII.
 */
const inlineFlagMap: Record<string, string> = { i: 'i', m: 'm', s: 's' };

function translate(pattern: string): { source: string; flags: string } {
  let flags = '';
  let rest = pattern;
  const leadingFlags = /^\(\?([aiLmsux]+)\)/.exec(rest);
  if (leadingFlags) {
    for (const flag of leadingFlags[1]) {
      if (flag === 'x') throw new FmfError('RegexError', `verbose regular expressions are not supported: '${pattern}'`);
      flags += inlineFlagMap[flag] ?? '';
    }
    rest = rest.slice(leadingFlags[0].length);
  }
  let source = '';
  let inClass = false;
  for (let index = 0; index < rest.length; index++) {
    const char = rest[index];
    if (char === '\\') {
      const next = rest[index + 1];
      if (next === undefined) throw new FmfError('RegexError', `bad escape (end of pattern) at position ${index}`);
      if (!inClass && next === 'A') source += '^';
      else if (!inClass && next === 'Z') source += '$';
      else source += char + next;
      index++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      source += char;
      continue;
    }
    if (char === '[') {
      inClass = true;
      source += char;
      // A `]` right after `[` or `[^` is a literal in Python.
      const negated = rest[index + 1] === '^';
      if (negated) {
        source += '^';
        index++;
      }
      if (rest[index + 1] === ']') {
        source += '\\]';
        index++;
      }
      continue;
    }
    if (char === '(' && rest.startsWith('(?P<', index)) {
      source += '(?<';
      index += 3;
      continue;
    }
    if (char === '(' && rest.startsWith('(?P=', index)) {
      const end = rest.indexOf(')', index);
      if (end < 0) throw new FmfError('RegexError', `missing ), unterminated name at position ${index}`);
      source += `\\k<${rest.slice(index + 4, end)}>`;
      index = end;
      continue;
    }
    if (char === '(' && rest.startsWith('(?#', index)) {
      const end = rest.indexOf(')', index);
      if (end < 0) throw new FmfError('RegexError', `missing ), unterminated comment at position ${index}`);
      index = end;
      continue;
    }
    if (char === '{' && rest.startsWith('{,', index)) {
      source += '{0,';
      index++;
      continue;
    }
    if (char === '$' && !flags.includes('m')) {
      source += '(?=\\n?$)';
      continue;
    }
    source += char;
  }
  if (inClass) throw new FmfError('RegexError', `unterminated character set in '${pattern}'`);
  return { source, flags };
}

function compile(cacheKey: string): RegExp {
  const separator = cacheKey.indexOf('\u0000');
  const extraFlags = cacheKey.slice(0, separator);
  const pattern = cacheKey.slice(separator + 1);
  const { source, flags } = translate(pattern);
  try {
    return new RegExp(source, [...new Set(flags + extraFlags)].join(''));
  } catch (error) {
    throw new FmfError('RegexError', `invalid regular expression '${pattern}': ${messageOf(error)}`);
  }
}

const compileCached = memoByText(compile);

/** Compiles a Python pattern (cached). Invalid patterns raise FmfError('RegexError'), like `re.error`. */
export function compilePythonRegex(pattern: string, extraFlags = ''): RegExp {
  return compileCached(`${extraFlags}\u0000${pattern}`);
}

/** Python `re.search(pattern, text) is not None`. */
export function pySearch(pattern: string, text: string): boolean {
  const regex = compilePythonRegex(pattern);
  regex.lastIndex = 0;
  return regex.test(text);
}

type ReplacementPart = string | { group: number | string };

function parseReplacement(template: string): ReplacementPart[] {
  const parts: ReplacementPart[] = [];
  let literal = '';
  const simpleEscapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };
  for (let index = 0; index < template.length; index++) {
    const char = template[index];
    if (char !== '\\') {
      literal += char;
      continue;
    }
    const next = template[index + 1];
    if (next === undefined) throw new FmfError('RegexError', 'bad escape (end of pattern) in replacement');
    const groupRef = /^g<([^>]*)>/.exec(template.slice(index + 1));
    const digits = /^[0-9]{1,2}/.exec(template.slice(index + 1));
    if (groupRef) {
      parts.push(literal, { group: /^[0-9]+$/.test(groupRef[1]) ? Number(groupRef[1]) : groupRef[1] });
      literal = '';
      index += groupRef[0].length;
    } else if (digits) {
      parts.push(literal, { group: Number(digits[0]) });
      literal = '';
      index += digits[0].length;
    } else if (next in simpleEscapes) {
      literal += simpleEscapes[next];
      index++;
    } else if (/[A-Za-z]/.test(next)) {
      throw new FmfError('RegexError', `bad escape \\${next} in replacement`);
    } else {
      literal += `\\${next}`;
      index++;
    }
  }
  parts.push(literal);
  return parts;
}

/** Python `re.sub(pattern, replacement, text)`: every match, Python replacement syntax (`\1`, `\g<name>`). */
export function pySub(pattern: string, replacement: string, text: string): string {
  const regex = compilePythonRegex(pattern, 'g');
  const parts = parseReplacement(replacement);
  return text.replace(regex, (...args: unknown[]) => {
    const hasNamedGroups = typeof args[args.length - 1] === 'object' && args[args.length - 1] !== null;
    const groups = (hasNamedGroups ? args[args.length - 1] : {}) as Record<string, string | undefined>;
    const positional = args.slice(0, hasNamedGroups ? -3 : -2) as (string | undefined)[];
    return parts
      .map((part) => {
        if (typeof part === 'string') return part;
        const value = typeof part.group === 'number' ? positional[part.group] : groups[part.group];
        if (typeof part.group === 'number' && part.group >= positional.length) {
          throw new FmfError('RegexError', `invalid group reference ${part.group}`);
        }
        return value ?? '';
      })
      .join('');
  });
}
