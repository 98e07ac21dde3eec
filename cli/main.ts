import { closedOutputExitCode, outputWasClosed, watchForClosedOutput } from './closed-output';
import { CliError, HelpRequested, isParseArgsError, type Command } from './command';

const commands: Record<string, () => Promise<{ command: Command }>> = {
  fmf: () => import('./commands/fmf'),
  exec: () => import('./commands/exec'),
  control: () => import('./commands/control'),
  run: () => import('./commands/run'),
  api: () => import('./commands/api'),
  tf: () => import('./commands/tf'),
};

const usage = `usage: testyard <command> [args]

commands:
  ${Object.keys(commands).join('\n  ')}

Run "testyard <command> --help" for a command's options.`;

/** Runs one CLI invocation and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  watchForClosedOutput();
  const code = await runCommand(argv);
  return outputWasClosed() ? closedOutputExitCode : code;
}

async function runCommand(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(usage + '\n');
    return name ? 0 : 2;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) {
    process.stderr.write(`testyard: unknown command "${name}"\n${usage}\n`);
    return 2;
  }
  try {
    const { command } = await load();
    return await command(rest);
  } catch (error) {
    if (error instanceof HelpRequested) {
      process.stdout.write(`${error.usage}\n`);
      return 0;
    }
    if (error instanceof CliError || isParseArgsError(error)) {
      process.stderr.write(`testyard ${name}: ${error.message}\n`);
      return error instanceof CliError ? error.exitCode : 2;
    }
    throw error;
  }
}
