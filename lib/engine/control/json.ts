import { pyFloatRepr } from '../python/float-repr';
/**
 * JSON as atex sees it: parsed like Python's `json.loads` and written like
 * `json.dumps(obj)` (separators ", " and ": ", ASCII only), so `results`
 * lines match atex byte for byte.
 *
 * A plain `JSON.parse` would not do: it reorders integer-like keys, loses the
 * difference between `1` and `1.0`, rounds big integers, and a `__proto__` key
 * turns into a prototype when merged.
 */

/** An integer keeps its literal digits (Python ints are unbounded). */
export interface JsonInteger {
  readonly kind: 'integer';
  readonly digits: string;
}

export interface JsonFloat {
  readonly kind: 'float';
  readonly value: number;
}

export type JsonValue = null | boolean | string | JsonInteger | JsonFloat | JsonValue[] | JsonObject;

/** Keys keep the order in which they first appeared, as in a Python dict. */
export type JsonObject = Map<string, JsonValue>;

export class JsonSyntaxError extends Error {}

/** Deep enough for any real result, shallow enough that recursion is safe. */
const maxJsonDepth = 256;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a UTF-8 JSON document (an optional BOM is skipped, as Python does). */
export function parseJson(bytes: Uint8Array): JsonValue {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new JsonSyntaxError('not valid UTF-8');
  }
  return new JsonParser(text).parseDocument();
}

class JsonParser {
  private position = 0;

  constructor(private readonly text: string) {}

  parseDocument(): JsonValue {
    this.skipWhitespace();
    const value = this.parseValue(0);
    this.skipWhitespace();
    if (this.position < this.text.length) this.fail('extra data after the JSON value');
    return value;
  }

  private fail(problem: string): never {
    throw new JsonSyntaxError(`${problem} at character ${this.position}`);
  }

  private skipWhitespace(): void {
    while (this.position < this.text.length) {
      const char = this.text[this.position];
      if (char !== ' ' && char !== '\t' && char !== '\n' && char !== '\r') return;
      this.position++;
    }
  }

  private parseValue(depth: number): JsonValue {
    if (depth > maxJsonDepth) this.fail(`nested deeper than ${maxJsonDepth} levels`);
    const char = this.text[this.position];
    switch (char) {
      case '{':
        return this.parseObject(depth);
      case '[':
        return this.parseArray(depth);
      case '"':
        return this.parseString();
      case undefined:
        return this.fail('expecting a value, got end of input');
      default:
        if (char === '-' || (char >= '0' && char <= '9')) return this.parseNumber();
        for (const [word, value] of literals) {
          if (this.text.startsWith(word, this.position)) {
            this.position += word.length;
            return value;
          }
        }
        return this.fail('expecting a value');
    }
  }

  private parseObject(depth: number): JsonObject {
    const object: JsonObject = new Map();
    this.position++;
    this.skipWhitespace();
    if (this.text[this.position] === '}') {
      this.position++;
      return object;
    }
    for (;;) {
      if (this.text[this.position] !== '"') this.fail('expecting a property name in double quotes');
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text[this.position] !== ':') this.fail("expecting ':' delimiter");
      this.position++;
      this.skipWhitespace();
      object.set(key, this.parseValue(depth + 1));
      this.skipWhitespace();
      const separator = this.text[this.position++];
      if (separator === '}') return object;
      if (separator !== ',') this.fail("expecting ',' delimiter");
      this.skipWhitespace();
    }
  }

  private parseArray(depth: number): JsonValue[] {
    const array: JsonValue[] = [];
    this.position++;
    this.skipWhitespace();
    if (this.text[this.position] === ']') {
      this.position++;
      return array;
    }
    for (;;) {
      array.push(this.parseValue(depth + 1));
      this.skipWhitespace();
      const separator = this.text[this.position++];
      if (separator === ']') return array;
      if (separator !== ',') this.fail("expecting ',' delimiter");
      this.skipWhitespace();
    }
  }

  private parseString(): string {
    const start = ++this.position;
    let value = '';
    let runStart = start;
    for (;;) {
      const code = this.text.charCodeAt(this.position);
      if (Number.isNaN(code)) this.fail('unterminated string');
      if (code === 0x22) {
        value += this.text.slice(runStart, this.position++);
        return value;
      }
      if (code < 0x20) this.fail('invalid control character in string');
      if (code !== 0x5c) {
        this.position++;
        continue;
      }
      value += this.text.slice(runStart, this.position);
      value += this.parseEscape();
      runStart = this.position;
    }
  }

  private parseEscape(): string {
    const escape = this.text[this.position + 1];
    this.position += 2;
    const simple = simpleEscapes.get(escape);
    if (simple !== undefined) return simple;
    if (escape !== 'u') {
      this.position -= 2;
      this.fail('invalid \\escape');
    }
    const hex = this.text.slice(this.position, this.position + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\uXXXX escape');
    this.position += 4;
    return String.fromCharCode(parseInt(hex, 16));
  }

  private parseNumber(): JsonInteger | JsonFloat {
    numberPattern.lastIndex = this.position;
    const match = numberPattern.exec(this.text);
    if (!match) return this.fail('invalid number');
    this.position += match[0].length;
    const [literal, integerPart, fraction, exponent] = match;
    if (fraction === undefined && exponent === undefined) {
      return { kind: 'integer', digits: integerPart === '-0' ? '0' : integerPart };
    }
    const value = Number(literal);
    if (!Number.isFinite(value)) {
      this.position -= literal.length;
      this.fail('number out of the range of a double');
    }
    return { kind: 'float', value };
  }
}

const numberPattern = /(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;

// Python also accepts NaN and Infinity; those are not JSON and are refused here.
const literals: Array<[string, JsonValue]> = [
  ['true', true],
  ['false', false],
  ['null', null],
];

const simpleEscapes = new Map([
  ['"', '"'],
  ['\\', '\\'],
  ['/', '/'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
]);

/** Writes a value exactly as Python's `json.dumps(value)` would. */
export function serializeJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return serializeString(value);
  if (Array.isArray(value)) return `[${value.map(serializeJson).join(', ')}]`;
  if (value instanceof Map) {
    const members: string[] = [];
    for (const [key, member] of value) members.push(`${serializeString(key)}: ${serializeJson(member)}`);
    return `{${members.join(', ')}}`;
  }
  return value.kind === 'integer' ? value.digits : pyFloatRepr(value.value);
}

const namedEscapes: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** Python's `ensure_ascii`: everything outside printable ASCII becomes \uXXXX (per UTF-16 unit). */
export function serializeString(text: string): string {
  return `"${text.replace(/[^ -~]|["\\]/g, (char) => namedEscapes[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** Python's `sorted()` on strings: by code point, not by UTF-16 unit. */
export function compareCodePoints(left: string, right: string): number {
  const leftPoints = Array.from(left, (char) => char.codePointAt(0) ?? 0);
  const rightPoints = Array.from(right, (char) => char.codePointAt(0) ?? 0);
  const common = Math.min(leftPoints.length, rightPoints.length);
  for (let index = 0; index < common; index++) {
    if (leftPoints[index] !== rightPoints[index]) return leftPoints[index] - rightPoints[index];
  }
  return leftPoints.length - rightPoints.length;
}
