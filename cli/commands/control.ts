import { constants as fsConstants, createReadStream, createWriteStream } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { CliError, parseOptions, runSubcommand, type Command } from '../command';
import { AttemptRecorder } from '../../lib/engine/control/index';
import { messageOf } from '../../lib/shared/errors';

const usage = `usage: testyard control parse --artifacts DIR [--exit-code N] [--output FILE]

Reads a test-control stream on stdin and writes DIR/results and DIR/files/
as the executor would for a test that wrote that stream and exited with N
(default: the stream's own "exitcode" line, else 0). FILE, if given, is the
test's output (what output.txt and "testout" files contain). Prints the
results as JSON Lines. Exits 1 if the stream broke the protocol (the results
written up to that point are still printed).`;

export const command: Command = (argv) => runSubcommand(argv, usage, { parse: parseControlStream });

async function parseControlStream(argv: string[]): Promise<number> {
  const options = readOptions(argv);
  if (options.outputFile !== undefined) {
    await access(options.outputFile, fsConstants.R_OK).catch((error: unknown) => {
      throw new CliError(`cannot read --output: ${messageOf(error)}`);
    });
  }
  const recorder = await AttemptRecorder.create(options.artifactsDir).catch((error: unknown) => {
    throw new CliError(`cannot use --artifacts ${options.artifactsDir}: ${messageOf(error)}`);
  });
  if (options.outputFile !== undefined) {
    await pipeline(createReadStream(options.outputFile), createWriteStream(recorder.outputPath, { flags: 'a' }));
  }
  const end = await recorder.consume(process.stdin);
  const streamExitCode = end.kind === 'exitcode' ? end.code : 0;
  await recorder.finish({ exitCode: options.exitCode ?? streamExitCode });
  process.stdout.write(await readFile(recorder.resultsPath));
  for (const problem of recorder.finishProblems) process.stderr.write(`testyard control: ${problem}\n`);
  if (end.kind === 'disconnect') {
    process.stderr.write('testyard control: the stream sent "disconnect"; input after it (the next boot) was not read\n');
  }
  if (end.kind === 'error') throw new CliError(`control stream rejected: ${end.message}`, 1);
  return 0;
}

interface ParseOptions {
  artifactsDir: string;
  exitCode?: number;
  outputFile?: string;
}

function readOptions(argv: string[]): ParseOptions {
  const { values } = parseOptions(argv, usage, {
    artifacts: { type: 'string' },
    'exit-code': { type: 'string' },
    output: { type: 'string' },
  });
  if (!values.artifacts) throw new CliError(`--artifacts DIR is required\n${usage}`);
  const exitCodeText = values['exit-code'];
  if (exitCodeText !== undefined && !/^-?[0-9]+$/.test(exitCodeText)) {
    throw new CliError(`--exit-code must be an integer, got "${exitCodeText}"`);
  }
  return {
    artifactsDir: values.artifacts,
    exitCode: exitCodeText === undefined ? undefined : Number(exitCodeText),
    outputFile: values.output,
  };
}
