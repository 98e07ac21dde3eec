import { FmfError } from './errors';
import { memoByText } from './memo';
import {
  FmfFloat,
  hasKey,
  isMapping,
  newMapping,
  numericValue,
  pyArithmetic,
  pyEquals,
  pyStr,
  pyTruthy,
  pyTypeName,
  type FmfMapping,
  type FmfValue,
} from './values';

/**
 * `conditions` of fmf's prune are Python expressions evaluated with the node
 * data as the namespace (`environment['X'] == '1'`, `'tag' not in locals()`).
 * This is an evaluator for the subset such conditions use: literals, names,
 * subscripts, `.get()`, `.startswith()`, `.endswith()`, `len()`, `str()`,
 * `int()`, `bool()`, `locals()`, comparisons (also chained), `in`, `is`,
 * `not`, `and`, `or`, `+`, `-`. A missing name or key is a FilterError
 * (the node is skipped), as in the reference.
 */

type Token =
  | { kind: 'number'; text: string }
  | { kind: 'string'; value: string }
  | { kind: 'name'; text: string }
  | { kind: 'op'; text: string }
  | { kind: 'end' };

const operators = ['==', '!=', '<=', '>=', '<', '>', '(', ')', '[', ']', ',', '.', '+', '-', ':'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source[index];
    if (/\s/.test(char)) {
      index++;
      continue;
    }
    const number = /^(?:[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?)/.exec(source.slice(index));
    if (number && /[0-9]/.test(number[0][0] === '.' ? number[0][1] : char)) {
      tokens.push({ kind: 'number', text: number[0] });
      index += number[0].length;
      continue;
    }
    const word = /^[\p{L}_][\p{L}\p{N}_]*/u.exec(source.slice(index));
    if (word) {
      tokens.push({ kind: 'name', text: word[0] });
      index += word[0].length;
      continue;
    }
    if (char === '"' || char === "'") {
      let value = '';
      let end = index + 1;
      while (end < source.length && source[end] !== char) {
        if (source[end] === '\\' && end + 1 < source.length) {
          const escaped = source[end + 1];
          value += ({ n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' } as Record<string, string>)[escaped] ?? `\\${escaped}`;
          end += 2;
        } else {
          value += source[end++];
        }
      }
      if (end >= source.length) throw new FmfError('FormatError', `Invalid condition '${source}': unterminated string`);
      tokens.push({ kind: 'string', value });
      index = end + 1;
      continue;
    }
    const operator = operators.find((candidate) => source.startsWith(candidate, index));
    if (!operator) throw new FmfError('FormatError', `Invalid condition '${source}': unexpected '${char}'`);
    tokens.push({ kind: 'op', text: operator });
    index += operator.length;
  }
  tokens.push({ kind: 'end' });
  return tokens;
}

type Expression = (namespace: FmfMapping) => FmfValue;

class ConditionParser {
  private position = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  private fail(message: string): never {
    throw new FmfError('FormatError', `Invalid condition '${this.source}': ${message}`);
  }

  private peek(): Token {
    return this.tokens[this.position];
  }

  private isOp(text: string): boolean {
    const token = this.peek();
    return token.kind === 'op' && token.text === text;
  }

  private isName(text: string): boolean {
    const token = this.peek();
    return token.kind === 'name' && token.text === text;
  }

  private expect(text: string): void {
    if (!this.isOp(text)) this.fail(`expected '${text}'`);
    this.position++;
  }

  parse(): Expression {
    const expression = this.or();
    if (this.peek().kind !== 'end') this.fail('unexpected text after the expression');
    return expression;
  }

  private or(): Expression {
    let left = this.and();
    while (this.isName('or')) {
      this.position++;
      const first = left;
      const second = this.and();
      left = (namespace) => {
        const value = first(namespace);
        return pyTruthy(value) ? value : second(namespace);
      };
    }
    return left;
  }

  private and(): Expression {
    let left = this.not();
    while (this.isName('and')) {
      this.position++;
      const first = left;
      const second = this.not();
      left = (namespace) => {
        const value = first(namespace);
        return pyTruthy(value) ? second(namespace) : value;
      };
    }
    return left;
  }

  private not(): Expression {
    if (this.isName('not')) {
      this.position++;
      const operand = this.not();
      return (namespace) => !pyTruthy(operand(namespace));
    }
    return this.comparison();
  }

  private comparisonOperator(): string | undefined {
    const token = this.peek();
    if (token.kind === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(token.text)) {
      this.position++;
      return token.text;
    }
    if (this.isName('in')) {
      this.position++;
      return 'in';
    }
    if (
      this.isName('not') &&
      this.tokens[this.position + 1].kind === 'name' &&
      (this.tokens[this.position + 1] as { text: string }).text === 'in'
    ) {
      this.position += 2;
      return 'not in';
    }
    if (this.isName('is')) {
      this.position++;
      if (this.isName('not')) {
        this.position++;
        return 'is not';
      }
      return 'is';
    }
    return undefined;
  }

  private comparison(): Expression {
    const first = this.additive();
    const links: { operator: string; operand: Expression }[] = [];
    for (let operator = this.comparisonOperator(); operator; operator = this.comparisonOperator()) {
      links.push({ operator, operand: this.additive() });
    }
    if (!links.length) return first;
    return (namespace) => {
      let left = first(namespace);
      for (const { operator, operand } of links) {
        const right = operand(namespace);
        if (!compare(operator, left, right)) return false;
        left = right;
      }
      return true;
    };
  }

  private additive(): Expression {
    let left = this.unary();
    while (this.isOp('+') || this.isOp('-')) {
      const operator = (this.peek() as { text: '+' | '-' }).text;
      this.position++;
      const first = left;
      const second = this.unary();
      left = (namespace) => add(first(namespace), second(namespace), operator);
    }
    return left;
  }

  private unary(): Expression {
    if (this.isOp('-')) {
      this.position++;
      const operand = this.unary();
      return (namespace) => add(0, operand(namespace), '-');
    }
    return this.postfix(this.atom());
  }

  private arguments(): Expression[] {
    const args: Expression[] = [];
    while (!this.isOp(')')) {
      args.push(this.or());
      if (!this.isOp(')')) this.expect(',');
    }
    this.expect(')');
    return args;
  }

  private postfix(target: Expression): Expression {
    for (;;) {
      if (this.isOp('[')) {
        this.position++;
        const key = this.or();
        this.expect(']');
        const container = target;
        target = (namespace) => subscript(container(namespace), key(namespace));
      } else if (this.isOp('.')) {
        this.position++;
        const token = this.peek();
        if (token.kind !== 'name') this.fail('expected a method name');
        this.position++;
        this.expect('(');
        const args = this.arguments();
        const receiver = target;
        target = (namespace) =>
          callMethod(
            receiver(namespace),
            token.text,
            args.map((arg) => arg(namespace)),
          );
      } else {
        return target;
      }
    }
  }

  private atom(): Expression {
    const token = this.peek();
    this.position++;
    if (token.kind === 'number') {
      const text = token.text.replace(/_/g, '');
      const value: FmfValue = /[.eE]/.test(text) ? new FmfFloat(Number(text)) : Number(text);
      return () => value;
    }
    if (token.kind === 'string') {
      let value = token.value;
      while (this.peek().kind === 'string') value += (this.tokens[this.position++] as { value: string }).value;
      return () => value;
    }
    if (token.kind === 'op' && (token.text === '(' || token.text === '[')) {
      const closing = token.text === '(' ? ')' : ']';
      const items: Expression[] = [];
      let trailingComma = false;
      while (!this.isOp(closing)) {
        items.push(this.or());
        trailingComma = this.isOp(',');
        if (!this.isOp(closing)) this.expect(',');
      }
      this.expect(closing);
      if (closing === ')' && items.length === 1 && !trailingComma) return items[0];
      return (namespace) => items.map((item) => item(namespace));
    }
    if (token.kind === 'name') {
      const constants: Record<string, FmfValue> = { True: true, False: false, None: null };
      if (token.text in constants) return () => constants[token.text];
      if (this.isOp('(')) {
        this.position++;
        const args = this.arguments();
        return (namespace) =>
          callFunction(
            token.text,
            args.map((arg) => arg(namespace)),
            namespace,
          );
      }
      return (namespace) => {
        if (!hasKey(namespace, token.text))
          throw new FmfError('FilterError', `Key is not defined in data: name '${token.text}' is not defined`);
        return namespace[token.text];
      };
    }
    this.fail('unexpected end of expression');
  }
}

function typeError(message: string): FmfError {
  return new FmfError('TypeError', message);
}

function add(left: FmfValue, right: FmfValue, operator: '+' | '-'): FmfValue {
  if (numericValue(left) !== undefined && numericValue(right) !== undefined) return pyArithmetic(left, right, operator);
  if (operator === '+' && typeof left === 'string' && typeof right === 'string') return left + right;
  if (operator === '+' && Array.isArray(left) && Array.isArray(right)) return [...left, ...right];
  throw typeError(`unsupported operand type(s) for ${operator}: '${pyTypeName(left)}' and '${pyTypeName(right)}'`);
}

function contains(container: FmfValue, item: FmfValue): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw typeError(`'in <string>' requires string as left operand, not ${pyTypeName(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((element) => pyEquals(element, item));
  if (isMapping(container)) return typeof item === 'string' && hasKey(container, item);
  throw typeError(`argument of type '${pyTypeName(container)}' is not iterable`);
}

function order(left: FmfValue, right: FmfValue): number {
  const a = numericValue(left);
  const b = numericValue(right);
  if (a !== undefined && b !== undefined) return Number(a) - Number(b);
  if (typeof left === 'string' && typeof right === 'string') return left < right ? -1 : left > right ? 1 : 0;
  throw typeError(`'<' not supported between instances of '${pyTypeName(left)}' and '${pyTypeName(right)}'`);
}

function compare(operator: string, left: FmfValue, right: FmfValue): boolean {
  switch (operator) {
    case '==':
      return pyEquals(left, right);
    case '!=':
      return !pyEquals(left, right);
    case 'in':
      return contains(right, left);
    case 'not in':
      return !contains(right, left);
    case 'is':
      return left === right || (left === null && right === null);
    case 'is not':
      return !(left === right || (left === null && right === null));
    case '<':
      return order(left, right) < 0;
    case '<=':
      return order(left, right) <= 0;
    case '>':
      return order(left, right) > 0;
    default:
      return order(left, right) >= 0;
  }
}

function subscript(container: FmfValue, key: FmfValue): FmfValue {
  if (isMapping(container)) {
    const text = typeof key === 'string' ? key : pyStr(key);
    if (!hasKey(container, text)) throw new FmfError('FilterError', `Internal key is not defined: ${pyStr(key)}`);
    return container[text];
  }
  if (Array.isArray(container) || typeof container === 'string') {
    const index = numericValue(key);
    if (typeof index !== 'number' || typeof key === 'boolean') throw typeError(`indices must be integers, not ${pyTypeName(key)}`);
    const position = index < 0 ? container.length + index : index;
    if (position < 0 || position >= container.length) throw new FmfError('IndexError', 'index out of range');
    return container[position];
  }
  throw typeError(`'${pyTypeName(container)}' object is not subscriptable`);
}

function callMethod(receiver: FmfValue, method: string, args: FmfValue[]): FmfValue {
  if (isMapping(receiver) && method === 'get') {
    const key = args[0];
    const text = typeof key === 'string' ? key : pyStr(key ?? null);
    return hasKey(receiver, text) ? receiver[text] : (args[1] ?? null);
  }
  if (typeof receiver === 'string' && (method === 'startswith' || method === 'endswith') && typeof args[0] === 'string') {
    return method === 'startswith' ? receiver.startsWith(args[0]) : receiver.endsWith(args[0]);
  }
  throw typeError(`unsupported method '${method}' on '${pyTypeName(receiver)}' in a condition`);
}

function callFunction(name: string, args: FmfValue[], namespace: FmfMapping): FmfValue {
  switch (name) {
    case 'locals':
    case 'globals': {
      const copy = newMapping();
      Object.assign(copy, namespace);
      return copy;
    }
    case 'len': {
      const value = args[0];
      if (typeof value === 'string') return [...value].length;
      if (Array.isArray(value)) return value.length;
      if (isMapping(value)) return Object.keys(value).length;
      throw typeError(`object of type '${pyTypeName(value)}' has no len()`);
    }
    case 'str':
      return pyStr(args[0] ?? '');
    case 'bool':
      return pyTruthy(args[0] ?? false);
    case 'int': {
      const value = args[0] ?? 0;
      const number = typeof value === 'string' ? Number(value.trim()) : Number(numericValue(value));
      if (!Number.isFinite(number)) throw new FmfError('ValueError', `invalid literal for int(): ${pyStr(value)}`);
      return Math.trunc(number);
    }
    default:
      throw new FmfError('FilterError', `Key is not defined in data: name '${name}' is not defined`);
  }
}

const compileCondition = memoByText((condition: string) => new ConditionParser(condition, tokenize(condition)).parse());

/** Evaluates a condition against node data; FilterError means "this node does not match". */
export function evaluateCondition(condition: string, data: FmfMapping): boolean {
  return pyTruthy(compileCondition(condition)(data));
}
