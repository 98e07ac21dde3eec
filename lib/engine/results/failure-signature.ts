import { createHash } from 'node:crypto';

/**
 * A failure's signature: what caused it, as a short hash of its evidence (the
 * result's note, the attempt's exception, and the last error-looking lines of
 * the test's output) after the parts that differ between occurrences of the
 * same cause (numbers, addresses, ids, paths, times) are replaced by
 * placeholders. Pure and deterministic, so a stored signature can be
 * explained again from the same evidence.
 */

/** Evidence as it was taken from a failure: kept with the result so the signature can be explained. */
export interface FailureEvidence {
  status: string;
  /** Raw lines, in order: the note, the exception, then output lines. */
  lines: EvidenceLine[];
}

export interface EvidenceLine {
  source: 'note' | 'exception' | 'output';
  text: string;
}

export type NormalisationKind = 'timestamp' | 'uuid' | 'ip' | 'hex' | 'path' | 'number' | 'whitespace';

export interface NormalisedLine extends EvidenceLine {
  normalised: string;
  /** Which normalisations changed the line, and how many places each replaced. */
  applied: { kind: NormalisationKind; count: number }[];
}

export interface SignatureExplanation {
  /** 16 hex characters: the first 64 bits of sha256 over the status and the normalised lines. */
  signature: string;
  status: string;
  lines: NormalisedLine[];
}

/** Output lines that look like an error report; the last few of them are evidence. */
export const errorLinePattern =
  /error|fail|assert|traceback|exception|fatal|panic|abort|denied|refused|timed? ?out|segmentation fault|core dumped|not found|no such|cannot|unable to/i;
export const maxOutputLines = 5;
export const maxLineLength = 300;
/** How much of the end of the output is searched for error lines. */
export const outputTailBytes = 64 * 1024;

/** In order: earlier kinds would otherwise be cut apart by later ones (a UUID's digits by "number"). */
const normalisations: { kind: NormalisationKind; pattern: RegExp; placeholder: string }[] = [
  {
    kind: 'timestamp',
    pattern:
      /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? \d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w* \d{4}\b/g,
    placeholder: '<TIME>',
  },
  { kind: 'uuid', pattern: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, placeholder: '<UUID>' },
  {
    kind: 'ip',
    pattern: /\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b|\[?\b(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{1,4}\b\]?(?::\d{1,5})?/gi,
    placeholder: '<IP>',
  },
  // 0x-prefixed values, and bare hex runs of 8 or more with at least one digit and one letter (hashes, ids).
  { kind: 'hex', pattern: /\b0x[0-9a-f]+\b|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, placeholder: '<HEX>' },
  // Absolute or home-relative paths with at least two parts, and ./relative ones.
  { kind: 'path', pattern: /(?:~|\.{1,2})?(?:\/[\w.@+-]+){2,}\/?|\.{1,2}\/[\w.@+/-]+/g, placeholder: '<PATH>' },
  { kind: 'number', pattern: /\d+(?:\.\d+)?/g, placeholder: '<N>' },
  { kind: 'whitespace', pattern: /\s{2,}|\t/g, placeholder: ' ' },
];

/** One line of evidence with each normalisation applied in turn. */
export function normaliseLine(text: string): { normalised: string; applied: NormalisedLine['applied'] } {
  let current = text.trim();
  const applied: NormalisedLine['applied'] = [];
  for (const { kind, pattern, placeholder } of normalisations) {
    let count = 0;
    current = current.replace(pattern, () => {
      count++;
      return placeholder;
    });
    if (count > 0) applied.push({ kind, count });
  }
  return { normalised: current, applied };
}

/** Control characters and ANSI escapes out, long lines cut. */
function cleanLine(text: string): string {
  const plain = text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
  return plain.trim().slice(0, maxLineLength);
}

/**
 * The evidence of one failure: the note and exception when present, then the
 * last `maxOutputLines` error-looking lines of the output's tail.
 */
export function collectEvidence(input: {
  status: string;
  note: string | null;
  exception: string | null;
  outputTail: string;
}): FailureEvidence {
  const lines: EvidenceLine[] = [];
  const note = input.note === null ? '' : cleanLine(input.note);
  if (note) lines.push({ source: 'note', text: note });
  const exception = input.exception === null ? '' : cleanLine(input.exception);
  if (exception) lines.push({ source: 'exception', text: exception });
  const errorLines = input.outputTail
    .split('\n')
    .map(cleanLine)
    .filter((line) => line && errorLinePattern.test(line));
  for (const text of errorLines.slice(-maxOutputLines)) lines.push({ source: 'output', text });
  return { status: input.status, lines };
}

/** The signature of some evidence, with what went into it. */
export function explainSignature(evidence: FailureEvidence): SignatureExplanation {
  const lines = evidence.lines.map((line) => ({ ...line, ...normaliseLine(line.text) }));
  const hash = createHash('sha256');
  hash.update(evidence.status);
  for (const line of lines) hash.update(`\n${line.source}:${line.normalised}`);
  return { signature: hash.digest('hex').slice(0, 16), status: evidence.status, lines };
}

export function failureSignature(evidence: FailureEvidence): string {
  return explainSignature(evidence).signature;
}

/** Statuses that are failures, and so get a signature. */
export const failureStatuses: readonly string[] = ['fail', 'error'];

/** Evidence read back from storage (JSON): anything malformed is null. */
export function parseEvidence(value: unknown): FailureEvidence | null {
  if (typeof value !== 'object' || value === null) return null;
  const { status, lines } = value as { status?: unknown; lines?: unknown };
  if (typeof status !== 'string' || !Array.isArray(lines)) return null;
  const parsed: EvidenceLine[] = [];
  for (const line of lines as unknown[]) {
    if (typeof line !== 'object' || line === null) return null;
    const { source, text } = line as { source?: unknown; text?: unknown };
    if ((source !== 'note' && source !== 'exception' && source !== 'output') || typeof text !== 'string') return null;
    parsed.push({ source, text });
  }
  return { status, lines: parsed };
}
