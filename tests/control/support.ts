import { appendFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AttemptRecorder, type AttemptEnd, type ControlHandlers, type ControlLimits, type StreamEnd } from '../../lib/engine/control/index';

/** What atex's test helper `report` writes: `result LEN\n` and the JSON, LEN in bytes. */
export function report(json: string): Buffer {
  const body = Buffer.from(json);
  return Buffer.concat([Buffer.from(`result ${body.length}\n`), body]);
}

/** Bytes as the bash `printf` in atex's `write` helper would emit them. */
export function bytes(...values: number[]): Buffer {
  return Buffer.from(values);
}

export function stream(...parts: Array<string | Buffer>): Buffer {
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
}

/** Splits `data` into pieces of the given sizes (cycled), to exercise chunk boundaries. */
export function splitInto(data: Buffer, sizes: readonly number[]): Buffer[] {
  const pieces: Buffer[] = [];
  let offset = 0;
  for (let index = 0; offset < data.length; index++) {
    const size = Math.max(1, sizes[index % sizes.length]);
    pieces.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return pieces;
}

export async function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'testyard-control-'));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every regular file under `dir`, by path relative to it ('/'-separated). */
export async function readTree(dir: string): Promise<Record<string, Buffer>> {
  const tree: Record<string, Buffer> = {};
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    tree[path.slice(dir.length + 1)] = await readFile(path);
  }
  return tree;
}

export interface AttemptInput {
  /** The control stream of each boot, in order. */
  boots: Buffer[];
  /** What the test printed (stdout+stderr). */
  output?: string | Buffer;
  /** How the runner ended the attempt; by default the exit code from the last stream's `exitcode` (0 without one). */
  end?: AttemptEnd;
  /** Chunk sizes the streams are cut into; whole by default. */
  chunkSizes?: readonly number[];
  limits?: Partial<ControlLimits>;
  handlers?: ControlHandlers;
}

export interface AttemptRecord {
  ends: StreamEnd[];
  returned: Array<Record<string, unknown>>;
  results: string;
  files: Record<string, Buffer>;
  /** Everything in the artifacts folder's parent, to prove nothing was written outside. */
  outside: string[];
  recorder: AttemptRecorder;
}

/** Runs one attempt the way the executor does, in a fresh folder `root/artifacts`. */
export async function runAttempt(root: string, input: AttemptInput): Promise<AttemptRecord> {
  const artifactsDir = join(root, 'artifacts');
  const recorder = await AttemptRecorder.create(artifactsDir, { limits: input.limits, ...input.handlers });
  const ends: StreamEnd[] = [];
  for (const boot of input.boots) {
    const chunks = input.chunkSizes ? splitInto(boot, input.chunkSizes) : [boot];
    ends.push(await recorder.consume(Readable.from(chunks)));
  }
  if (input.output !== undefined) await appendFile(recorder.outputPath, input.output);
  const last = ends[ends.length - 1];
  await recorder.finish(input.end ?? { exitCode: last?.kind === 'exitcode' ? last.code : 0 });
  const returned = await recorder.readResults();
  return {
    ends,
    returned,
    results: await readFile(join(artifactsDir, 'results'), 'utf8'),
    files: await readTree(join(artifactsDir, 'files')),
    outside: (await readdir(root)).filter((name) => name !== 'artifacts'),
    recorder,
  };
}

/** Files as text where they are text, for readable assertion diffs. */
export function asStrings(files: Record<string, Buffer>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([path, content]) => [path, content.toString('latin1')]));
}
