import type { ArtifactsWriter } from './artifacts';
import type { ControlReader } from './control-reader';
import { parseFmfDuration } from '../fmf/duration';
import { badControl, badReport } from './errors';
import type { ControlHandlers, DurationChange, StreamEnd } from './index';
import { JsonSyntaxError, parseJson, type JsonValue } from './json';
import { validateResult } from './result';
import { messageOf } from '../../shared/errors';

export interface ControlStreamContext {
  reader: ControlReader;
  artifacts: ArtifactsWriter;
  handlers: ControlHandlers;
  maxResultJsonBytes: number;
  maxFileBytes: number;
}

/**
 * Runs one control stream to its end: EOF, `disconnect`, or the first
 * protocol violation (thrown as a ControlError). Words after `exitcode` are
 * still honoured, as in atex; the last `exitcode` wins.
 */
export async function readControlStream(context: ControlStreamContext): Promise<StreamEnd> {
  let exitCode: number | null = null;
  for (;;) {
    const line = await context.reader.readLine();
    if (line === null) return exitCode === null ? { kind: 'eof' } : { kind: 'exitcode', code: exitCode };
    const { word, argument } = splitControlLine(line);
    switch (word) {
      case 'result':
        await receiveResult(context, argument);
        break;
      case 'exitcode':
        exitCode = parseExitCode(argument);
        break;
      case 'duration': {
        // Parsed even without a handler: a malformed duration is a protocol error either way.
        const change = parseDurationChange(argument);
        context.handlers.onDuration?.(change);
        break;
      }
      case 'disconnect':
        context.handlers.onDisconnect?.();
        return { kind: 'disconnect' };
      case 'noop':
        break;
      default:
        throw badControl(`unknown control word: ${word}`);
    }
  }
}

function splitControlLine(line: Buffer): { word: string; argument: string } {
  if (line.length === 0) throw badControl("empty control line (just '\\n')");
  const nonAscii = line.findIndex((byte) => byte > 0x7f);
  if (nonAscii >= 0) throw badControl(`control line has a non-ASCII byte at position ${nonAscii}`);
  const text = line.toString('latin1');
  const space = text.indexOf(' ');
  return space < 0 ? { word: text, argument: '' } : { word: text.slice(0, space), argument: text.slice(space + 1) };
}

function parseExitCode(argument: string): number {
  if (argument === '') throw badControl('exitcode argument empty');
  const code = /^-?[0-9]+$/.test(argument) ? Number(argument) : NaN;
  if (!Number.isSafeInteger(code)) throw badControl(`'${argument}' is not an integer exit code`);
  return code;
}

function parseDurationChange(argument: string): DurationChange {
  if (argument === '') throw badControl('duration argument empty');
  if (argument === 'save' || argument === 'restore') return { kind: argument };
  const sign = argument[0] === '+' ? 1 : argument[0] === '-' ? -1 : 0;
  try {
    if (sign === 0) return { kind: 'set', seconds: parseFmfDuration(argument) };
    return { kind: 'add', seconds: sign * parseFmfDuration(argument.slice(1)) };
  } catch (error) {
    throw badControl(`duration ${argument}: ${messageOf(error)}`);
  }
}

async function receiveResult(context: ControlStreamContext, argument: string): Promise<void> {
  if (!/^[0-9]+$/.test(argument)) throw badControl(`reading json length: '${argument}' is not a non-negative integer`);
  const jsonLength = Number(argument);
  if (jsonLength > context.maxResultJsonBytes) {
    throw badControl(`result JSON length ${argument} is over the limit of ${context.maxResultJsonBytes} bytes`);
  }
  const jsonBytes = await context.reader.readExactly(jsonLength, 'result JSON');
  const result = validateResult(decodeResultJson(jsonBytes), context.maxFileBytes);
  for (const file of result.files) {
    const target = await context.artifacts.openFileForAppend(file.pathParts, file.name);
    try {
      await context.reader.copyTo(file.length, `file '${file.name}'`, (chunks) => target.append(chunks));
    } finally {
      await target.close();
    }
  }
  await context.artifacts.submit(result);
}

function decodeResultJson(bytes: Buffer): JsonValue {
  try {
    return parseJson(bytes);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw badReport(`JSON decode: ${error.message}`);
    throw error;
  }
}
