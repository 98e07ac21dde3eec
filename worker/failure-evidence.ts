import { open } from 'node:fs/promises';
import {
  collectEvidence,
  failureSignature,
  failureStatuses,
  outputTailBytes,
  type FailureEvidence,
} from '../lib/engine/results/failure-signature';
import { redactSecrets } from '../lib/server/secrets/redaction';
import type { AttemptFile, ResultLine } from './attempt-files';

export interface SignedFailure {
  signature: string;
  evidence: FailureEvidence;
}

/**
 * The signature and evidence of each failing result line of an attempt, by
 * line; read before the files move into the store. The test's own result
 * takes its evidence from the test's output (the `testout` it names, else
 * output.txt); sub-results from their note alone.
 */
export async function signFailures(
  lines: readonly ResultLine[],
  files: readonly AttemptFile[],
  exception: string | null,
): Promise<Map<number, SignedFailure>> {
  const signed = new Map<number, SignedFailure>();
  for (const line of lines) {
    if (!failureStatuses.includes(line.status)) continue;
    const own = line.name === null;
    const outputTail = own ? await readTail(outputFile(line, files)) : '';
    const evidence = collectEvidence({ status: line.status, note: line.note, exception: own ? exception : null, outputTail });
    const redacted = { ...evidence, lines: evidence.lines.map((item) => ({ ...item, text: redactSecrets(item.text) })) };
    signed.set(line.line, { signature: failureSignature(redacted), evidence: redacted });
  }
  return signed;
}

function outputFile(line: ResultLine, files: readonly AttemptFile[]): AttemptFile | undefined {
  const testout = typeof line.extra?.testout === 'string' ? line.extra.testout : 'output.txt';
  return files.find((file) => file.path === `files/${testout}`);
}

async function readTail(file: AttemptFile | undefined): Promise<string> {
  if (!file || file.size === 0) return '';
  const length = Math.min(file.size, outputTailBytes);
  const handle = await open(file.absolutePath, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, file.size - length);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    // The first line of a cut tail is likely partial.
    return file.size > length ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    await handle.close();
  }
}
