/**
 * A running test's output on its way to viewers (docs/ORCHESTRATION.md, "Live
 * output and collaboration"). Output is not part of the sequenced run timeline: the
 * attempt's output file is the record, and these messages only tell viewers
 * what was appended to it. `text` is the output from byte `offset` to byte
 * `end` of the file, starting at line `line` (from 0). A message whose
 * `offset` is past the end a viewer has seen means output was left out of
 * the push (too much to send): the viewer reads it from the file, or shows
 * that something is missing there.
 */
export interface TestOutputChunk {
  runId: string;
  platform: string;
  test: string;
  attempt: number;
  offset: number;
  end: number;
  line: number;
  text: string;
}

/** Socket.IO event names: every chunk on the attempt's own room; a short tail, less often, on the run's room. */
export const outputEventNames = { chunk: 'test-output', tail: 'test-output-tail' } as const;

/** The last part of an attempt's output, as the run page shows it. */
export interface OutputTail {
  text: string;
  /** Byte offset in the output file where `text` ends. */
  end: number;
}

/** How much of a running test's output the run page keeps. */
export const tailCharacters = 4000;

/** Appends a chunk to a tail: what the tail already holds is not added twice, and a gap before the chunk is marked. */
export function appendToTail(tail: OutputTail, chunk: Pick<TestOutputChunk, 'offset' | 'end' | 'text'>): OutputTail {
  if (chunk.end <= tail.end) return tail;
  let text: string;
  if (chunk.offset > tail.end) text = `${tail.text}${tail.text && !tail.text.endsWith('\n') ? '\n' : ''}…\n${chunk.text}`;
  else text = tail.text + skipBytes(chunk.text, tail.end - chunk.offset);
  return { text: lastCharacters(text), end: chunk.end };
}

/** The end of a text, at most `tailCharacters` long, from a line start when it had to be cut (unless one line is longer). */
export function lastCharacters(text: string): string {
  if (text.length <= tailCharacters) return text;
  const tail = text.slice(-tailCharacters);
  const lineStart = tail.indexOf('\n') + 1;
  return lineStart > 0 && lineStart < tail.length ? tail.slice(lineStart) : tail;
}

/** `text` without its first `bytes` bytes of UTF-8. */
export function skipBytes(text: string, bytes: number): string {
  if (bytes <= 0) return text;
  let skipped = 0;
  let index = 0;
  for (const character of text) {
    if (skipped >= bytes) break;
    skipped += utf8Length(character.codePointAt(0)!);
    index += character.length;
  }
  return text.slice(index);
}

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}
