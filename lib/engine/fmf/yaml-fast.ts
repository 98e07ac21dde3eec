import { jsonKeyText, newMapping, pyEquals, type FmfScalar, type FmfValue } from './values';
import type { YamlDocument } from './yaml';

/**
 * A fast path for the plain YAML that fmf files are nearly always written
 * in: block mappings and sequences indented with spaces, single-line plain
 * or simply quoted scalars, one-line flow sequences, comments. Anything else
 * (anchors, tags, block scalars, flow mappings, multi-line scalars, escapes,
 * tabs, duplicate keys, errors…) returns undefined and the caller uses the
 * `yaml` library, which stays the reference for typing and error messages.
 * A differential test checks that both agree wherever this path answers.
 *
 * Why: the `yaml` library spends ~0.25 ms per small file, which alone would
 * take most of the load-time budget for a 1,000-file tree.
 */

class Unsupported extends Error {}

const unsupported = (): never => {
  throw new Unsupported();
};

interface Line {
  indent: number;
  text: string;
}

/** Characters that may not start a plain scalar (YAML indicators), unless `-?:` are followed by a non-space. */
const indicatorStart = /^[,[\]{}#&*!|>'"%@`]/;

function plainScalarText(raw: string, inFlow: boolean): string {
  const text = raw.trim();
  if (!text) return unsupported();
  if (indicatorStart.test(text)) unsupported();
  if (/^[-?:](\s|$)/.test(text)) unsupported();
  if (/:(\s|$)/.test(text) || /\s#/.test(text) || text.includes('\t')) unsupported();
  if (inFlow && /[,[\]{}]/.test(text)) unsupported();
  return text;
}

/** Splits `rest` into its value text and drops a trailing ` # comment`. */
function stripComment(rest: string): string {
  const comment = rest.search(/(^|\s)#/);
  return (comment < 0 ? rest : rest.slice(0, comment)).trimEnd();
}

function quotedScalar(text: string): { value: string; rest: string } | undefined {
  const quote = text[0];
  if (quote === "'") {
    let value = '';
    for (let index = 1; index < text.length; index++) {
      if (text[index] === "'") {
        if (text[index + 1] === "'") {
          value += "'";
          index++;
          continue;
        }
        return { value, rest: text.slice(index + 1) };
      }
      value += text[index];
    }
    return unsupported();
  }
  if (quote === '"') {
    const end = text.indexOf('"', 1);
    if (end < 0) return unsupported();
    const value = text.slice(1, end);
    if (value.includes('\\')) unsupported();
    return { value, rest: text.slice(end + 1) };
  }
  return undefined;
}

export class FastYaml {
  private index = 0;
  private readonly lines: Line[] = [];

  constructor(
    text: string,
    private readonly resolvePlain: (text: string) => FmfScalar,
  ) {
    if (text.includes('\t') || text.includes('\r') || text.startsWith('\uFEFF')) unsupported();
    for (const raw of text.split('\n')) {
      const content = raw.trimStart();
      if (!content || content.startsWith('#')) continue;
      if (/^(?:---|\.\.\.|%)/.test(content)) unsupported();
      this.lines.push({ indent: raw.length - content.length, text: raw.trimEnd() });
    }
  }

  document(): YamlDocument {
    if (!this.lines.length) return { kind: 'null' };
    if (this.lines[0].indent !== 0 || this.lines[0].text.startsWith('-')) unsupported();
    const entries = this.mappingEntries(0);
    if (this.index < this.lines.length) unsupported();
    return { kind: 'mapping', entries };
  }

  private scalar(raw: string, inFlow: boolean): FmfScalar {
    const quoted = quotedScalar(raw.trim());
    if (quoted) {
      if (stripComment(quoted.rest).trim()) unsupported();
      return quoted.value;
    }
    return this.resolvePlain(plainScalarText(raw, inFlow));
  }

  private flowSequence(text: string): FmfValue[] {
    if (!text.endsWith(']')) unsupported();
    const body = text.slice(1, -1);
    if (/["'[\]{}]/.test(body)) unsupported();
    if (!body.trim()) return [];
    return body.split(',').map((item) => this.scalar(item, true));
  }

  /** A value written on the same line as its key or dash. */
  private inlineValue(rest: string): FmfValue {
    const text = stripComment(rest).trim();
    if (text.startsWith('[')) return this.flowSequence(text);
    return this.scalar(text, false);
  }

  /** The value of a key or dash with nothing after it: a nested block, or null. */
  private nestedValue(parentIndent: number, allowSameIndentSequence: boolean): FmfValue {
    const next = this.lines[this.index];
    if (!next) return null;
    if (next.indent > parentIndent) return this.block(next.indent);
    if (allowSameIndentSequence && next.indent === parentIndent && /^-(\s|$)/.test(next.text.slice(next.indent)))
      return this.sequence(parentIndent);
    return null;
  }

  private block(indent: number): FmfValue {
    const line = this.lines[this.index];
    const content = line.text.slice(indent);
    if (/^-(\s|$)/.test(content)) return this.sequence(indent);
    const mapping = newMapping();
    for (const [key, value] of this.mappingEntries(indent)) mapping[typeof key === 'string' ? key : jsonKeyText(key)] = value;
    return mapping;
  }

  private sequence(indent: number): FmfValue[] {
    const items: FmfValue[] = [];
    while (this.index < this.lines.length) {
      const line = this.lines[this.index];
      if (line.indent < indent) break;
      if (line.indent > indent) unsupported();
      const content = line.text.slice(indent);
      if (!/^-(\s|$)/.test(content)) break;
      const afterDash = content.slice(1);
      const itemText = afterDash.trimStart();
      this.index++;
      if (!stripComment(itemText)) {
        items.push(this.nestedValue(indent, false));
      } else if (/^-(\s|$)/.test(itemText) || itemText.startsWith('?')) {
        unsupported();
      } else if (this.keyOf(itemText)) {
        // `- key: value` starts a mapping whose keys sit at the column of the first key.
        const itemIndent = indent + 1 + (afterDash.length - itemText.length);
        this.index--;
        this.lines[this.index] = { indent: itemIndent, text: ' '.repeat(itemIndent) + itemText };
        const mapping = newMapping();
        for (const [key, value] of this.mappingEntries(itemIndent)) mapping[typeof key === 'string' ? key : jsonKeyText(key)] = value;
        items.push(mapping);
      } else {
        items.push(this.inlineValue(itemText));
      }
    }
    return items;
  }

  /** `key:` at the start of `content`: the key text and what follows the colon, or undefined. */
  private keyOf(content: string): { key: string; rest: string } | undefined {
    const match = /^([^\s#'"[\]{},&*!|>%@`][^#]*?):(?:\s+|$)(.*)$/.exec(content);
    if (!match) return undefined;
    return { key: match[1], rest: match[2] };
  }

  private mappingEntries(indent: number): [FmfScalar, FmfValue][] {
    const entries: [FmfScalar, FmfValue][] = [];
    while (this.index < this.lines.length) {
      const line = this.lines[this.index];
      if (line.indent < indent) break;
      if (line.indent > indent) unsupported();
      const content = line.text.slice(indent);
      if (/^-(\s|$)/.test(content)) break;
      const parsed = this.keyOf(content);
      if (!parsed) return unsupported();
      const keyText = plainScalarText(parsed.key, false);
      if (keyText === '<<') unsupported();
      const key = this.resolvePlain(keyText);
      if (entries.some(([existing]) => pyEquals(existing, key))) unsupported();
      this.index++;
      const value = stripComment(parsed.rest) ? this.inlineValue(parsed.rest) : this.nestedValue(indent, true);
      entries.push([key, value]);
    }
    return entries;
  }
}

/** Parses `text` if it is within the fast subset; undefined means "use the library". */
export function parseFastYaml(text: string, resolvePlain: (text: string) => FmfScalar): YamlDocument | undefined {
  try {
    return new FastYaml(text, resolvePlain).document();
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}
