// The per-remote test agent (lib/engine/executor/test-agent.sh): every attempt is one
// request to one long-lived command, its streams are split by a fresh marker,
// and the executor recovers when the agent goes away.
import { randomBytes, randomInt } from 'node:crypto';
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bashQuote } from '../../lib/engine/executor/agent';
import { MarkerScanner } from '../../lib/engine/executor/marker';
import { attempt, newArtifactsDir, readAttempt, describeOverEachTransport } from './harness';

describe('MarkerScanner', () => {
  it('passes every byte before the marker on, whatever the chunking', () => {
    for (let round = 0; round < 5000; round++) {
      // a small alphabet makes near-misses and straddling prefixes common
      const marker = Buffer.from(round % 2 ? `abcab${randomBytes(2).toString('hex')}` : 'aaab');
      let data = Buffer.from(Array.from({ length: randomInt(0, 80) }, () => 'abc'.charCodeAt(randomInt(0, 3))));
      const inside = data.indexOf(marker);
      if (inside >= 0) data = data.subarray(0, inside);
      const stream = Buffer.concat([data, marker, Buffer.from('tail')]);
      const scanner = new MarkerScanner(marker);
      const seen: Buffer[] = [];
      let rest: Buffer | undefined;
      let offset = 0;
      while (rest === undefined) {
        expect(offset).toBeLessThan(stream.length);
        const size = randomInt(1, 9);
        rest = scanner.push(stream.subarray(offset, offset + size), (bytes) => seen.push(Buffer.from(bytes)));
        offset += size;
      }
      expect(Buffer.concat(seen)).toEqual(data);
      expect(Buffer.concat([rest, stream.subarray(offset)])).toEqual(Buffer.from('tail'));
    }
  });

  it('gives back held bytes when the stream ends without the marker', () => {
    const scanner = new MarkerScanner(Buffer.from('marker'));
    const seen: Buffer[] = [];
    expect(scanner.push(Buffer.from('data mark'), (bytes) => seen.push(bytes))).toBeUndefined();
    expect(Buffer.concat(seen).toString()).toBe('data ');
    expect(scanner.flush()?.toString()).toBe('mark');
  });
});

describe('bashQuote', () => {
  it('keeps every character through bash', async () => {
    const { execFileSync } = await import('node:child_process');
    const word = 'it\'s a \\ "test"\n\t\x01\x7f $HOME `x` é 😀';
    const printed = execFileSync('bash', ['-c', `printf '%s' ${bashQuote(word)}`]).toString();
    expect(printed).toBe(word);
  });
});

describeOverEachTransport('test agent', 'misc', ({ remote }) => {
  it('an agent killed under a test fails the attempt clearly; the next test gets a new agent', async () => {
    const killed = await attempt(remote().executor, '/test_agent_killed');
    expect(killed.error?.name).toBe('TestAbortedError');
    expect(killed.error?.message).toMatch(/^test wrapper .* and disconnect was not sent via test control$/);
    expect(killed.results).toEqual([
      { status: 'infra', note: expect.stringMatching(/^TestAbortedError\(test wrapper /), files: ['output.txt'] },
    ]);
    expect((await killed.file('output.txt')).toString()).toBe('killing the agent\n');
    const next = await attempt(remote().executor, '/test_after_agent_killed');
    expect(next.error).toBeUndefined();
    expect((await next.file('output.txt')).toString()).toBe('a fresh agent\n');
  });

  it('hands the output on as it arrives, every byte once, each piece only once it is in the output file', async () => {
    const pieces: Buffer[] = [];
    const sizesWhenHandedOn: Array<{ handedOn: number; inFile: number }> = [];
    const artifactsDir = await newArtifactsDir();
    await remote().executor.runTest('/test_output_stream', artifactsDir, {
      onOutput: (bytes) => {
        pieces.push(Buffer.from(bytes));
        const handedOn = pieces.reduce((sum, piece) => sum + piece.length, 0);
        sizesWhenHandedOn.push({ handedOn, inFile: statSync(`${artifactsDir}/testout.temp`).size });
      },
    });
    const stored = await (await readAttempt(artifactsDir)).file('output.txt');
    expect(Buffer.concat(pieces)).toEqual(stored);
    expect(sizesWhenHandedOn.filter(({ handedOn, inFile }) => inFile < handedOn)).toEqual([]);
  });

  it('many short tests in a row each get exactly their own output', async () => {
    for (let index = 0; index < 20; index++) {
      const result = await attempt(remote().executor, '/test_output');
      expect(result.error).toBeUndefined();
      expect(await result.file('output.txt')).toEqual(Buffer.from('test output \x00\x01\x02\x03', 'latin1'));
    }
  });
});
