import { parseArgs, type ParseArgsConfig } from 'node:util';
import { messageOf } from '../lib/shared/errors';

/** A CLI subcommand: gets the arguments after its name, returns the exit code. */
export type Command = (argv: string[]) => Promise<number>;

/** An expected failure: printed as one line without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** `--help` or `-h` was given: the usage goes to stdout and the process exits 0. */
export class HelpRequested extends CliError {
  constructor(readonly usage: string) {
    super(usage, 0);
  }
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
const helpOption = { help: { type: 'boolean', short: 'h' } } as const;
type Parsed<O extends OptionsConfig, P extends boolean> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O & typeof helpOption; strict: true; allowPositionals: P }>
>;

/**
 * Every command's option parser: node's `parseArgs`, strict, with `--help`/`-h`
 * added (it wins over any other problem with the arguments) and parse
 * failures turned into a usage error.
 */
export function parseOptions<const O extends OptionsConfig, const P extends boolean = false>(
  argv: string[],
  usage: string,
  options: O,
  allowPositionals?: P,
): Parsed<O, P> {
  const config = {
    args: argv,
    options: { ...options, ...helpOption },
    strict: true as const,
    allowPositionals: (allowPositionals ?? false) as P,
  };
  let parsed: Parsed<O, P>;
  try {
    parsed = parseArgs(config) as Parsed<O, P>;
  } catch (error) {
    if (asksForHelp(argv)) throw new HelpRequested(usage);
    throw new CliError(`${messageOf(error)}\n${usage}`);
  }
  if ((parsed.values as { help?: boolean }).help) throw new HelpRequested(usage);
  return parsed;
}

/** Runs the subcommand named by the first argument; `--help` or none prints the usage. */
export function runSubcommand(argv: string[], usage: string, subcommands: Record<string, Command>): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) throw new CliError(`missing subcommand\n${usage}`);
  if (asksForHelp([name])) throw new HelpRequested(usage);
  const subcommand = Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
  if (!subcommand) throw new CliError(`unknown subcommand "${name}"\n${usage}`);
  return subcommand(rest);
}

function asksForHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** True for the errors node's `parseArgs` throws on unknown or malformed options. */
export function isParseArgsError(error: unknown): error is Error {
  return error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');
}
