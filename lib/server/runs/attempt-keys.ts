import { createHash } from 'node:crypto';

/** Store keys of one attempt: readable enough to find by hand, fixed for a given attempt. */
export function attemptKeyPrefix(runId: string, runPlatformId: string, testName: string, number: number): string {
  const testKey = createHash('sha256').update(testName).digest('hex').slice(0, 16);
  return `${runId}/${runPlatformId}/${testKey}-${number}`;
}
