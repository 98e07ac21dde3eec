import { createInterface } from 'node:readline';
import { CliError, parseOptions, runSubcommand, type Command } from '../command';
import {
  adjustTree,
  Context,
  discoverTests,
  FmfError,
  isMapping,
  loadTree,
  matchesFilter,
  parseJson,
  prune,
  toAtexResult,
  toJson,
  type ContextDimensions,
  type FmfValue,
  type JsonLike,
} from '../../lib/engine/fmf';
import { messageOf } from '../../lib/shared/errors';

const usage = `usage:
  testyard fmf show PATH [--context KEY=VALUE]... [--no-adjust] [--filter EXPR]... [--json]
  testyard fmf tests PATH [--plan NAME] [--context KEY=VALUE]... [--name REGEXP]... [--exclude REGEXP]... [--json]
  testyard fmf eval < cases.jsonl

show   every node of the fmf tree at PATH with its resolved data (only the
       nodes the filters select when --filter is given)
tests  what a run would execute: the tests of a plan, as atex discovers them
eval   evaluates adjust rules and filters, one JSON object per input line:
       {"context": {...}, "rule": "...", "case_sensitive": true}
       {"filter": "...", "data": {...}, "regexp": false, "sensitive": true, "name": "/x"}
       and prints {"result": true | false | "cannot-decide"} or {"result": {"error": "..."}}

--context KEY=VALUE   adjust context; several values comma-separated (distro=fedora-40,rhel-9)
                      or given by repeating the option`;

const exitOnFmfError = 1;

function parseContext(pairs: string[] | undefined): ContextDimensions {
  const context: ContextDimensions = {};
  for (const pair of pairs ?? []) {
    const separator = pair.indexOf('=');
    if (separator <= 0) throw new CliError(`invalid --context '${pair}': expected KEY=VALUE`);
    const name = pair.slice(0, separator).trim();
    const values = [
      ...[context[name] ?? []].flat(),
      ...pair
        .slice(separator + 1)
        .split(',')
        .map((value) => value.trim()),
    ];
    context[name] = values.length === 1 ? values[0] : values;
  }
  return context;
}

function describeError(error: unknown): string {
  return error instanceof FmfError ? `${error.kind}: ${error.message}` : messageOf(error);
}

async function withFmfErrors<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof FmfError) throw new CliError(describeError(error), exitOnFmfError);
    // Not an expected failure, but bad input must still end with a message, not a stack trace.
    throw new CliError(`unexpected error: ${describeError(error)}`, exitOnFmfError);
  }
}

function singlePath(positionals: string[], subcommand: string): string {
  if (positionals.length !== 1) throw new CliError(`fmf ${subcommand}: expected exactly one PATH\n${usage}`);
  return positionals[0];
}

function print(value: JsonLike): void {
  process.stdout.write(`${toJson(value, 2)}\n`);
}

async function show(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(
    argv,
    usage,
    {
      context: { type: 'string', multiple: true },
      'no-adjust': { type: 'boolean' },
      filter: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
    true,
  );
  const treePath = singlePath(positionals, 'show');
  const context = parseContext(values.context);
  const nodes = await withFmfErrors(() => {
    const tree = loadTree(treePath);
    if (!values['no-adjust']) adjustTree(tree.rootNode, new Context(context));
    return values.filter?.length ? [...prune(tree.rootNode, { filters: values.filter })] : [...tree.rootNode.climb(true)];
  });
  if (values.json) {
    print(Object.fromEntries(nodes.map((node) => [node.name, node.data])));
  } else {
    for (const node of nodes) process.stdout.write(`${node.name}\n${Object.keys(node.data).length ? `${toJson(node.data, 2)}\n` : ''}`);
  }
  return 0;
}

async function tests(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(
    argv,
    usage,
    {
      plan: { type: 'string' },
      context: { type: 'string', multiple: true },
      name: { type: 'string', multiple: true },
      exclude: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
    true,
  );
  const treePath = singlePath(positionals, 'tests');
  const discovered = await withFmfErrors(() =>
    discoverTests(treePath, { plan: values.plan, context: parseContext(values.context), names: values.name, excludes: values.exclude }),
  );
  if (values.json) {
    print(toAtexResult(discovered));
  } else {
    for (const test of discovered.tests) process.stdout.write(`${test.name}  (${test.runtime.duration}, in ${test.source})\n`);
  }
  return 0;
}

function evaluateLine(line: string): JsonLike {
  const request = parseJson(line);
  if (!isMapping(request)) throw new FmfError('ValueError', 'each line must be a JSON object');
  if ('rule' in request) {
    const dimensions = request.context ?? {};
    if (!isMapping(dimensions)) throw new FmfError('ValueError', "'context' must be an object");
    const context = new Context(dimensions as Record<string, FmfValue>, request.case_sensitive !== false);
    return context.decide(request.rule);
  }
  if ('filter' in request) {
    const filter = request.filter;
    if (filter !== null && typeof filter !== 'string') throw new FmfError('ValueError', "'filter' must be a string");
    return matchesFilter(filter, request.data ?? {}, {
      regexp: request.regexp === true,
      sensitive: request.sensitive !== false,
      name: typeof request.name === 'string' ? request.name : undefined,
    });
  }
  throw new FmfError('ValueError', "expected an object with 'rule' or 'filter'");
}

async function evaluate(argv: string[]): Promise<number> {
  parseOptions(argv, usage, {});
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let result: JsonLike;
    try {
      result = evaluateLine(line);
    } catch (error) {
      result = { error: describeError(error) };
    }
    process.stdout.write(`${toJson({ result })}\n`);
  }
  return 0;
}

export const command: Command = (argv) => runSubcommand(argv, usage, { show, tests, eval: evaluate });
