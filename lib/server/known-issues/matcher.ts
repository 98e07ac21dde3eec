import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { compileSafePattern, patternLimits } from './safe-regex';

/** What a known issue matches, as stored. */
export interface IssuePatterns {
  id: string;
  testPattern: string;
  platformPattern: string | null;
  statuses: string[];
  textPattern: string | null;
}

/** A stored result, as matched. */
export interface MatchCandidate {
  testName: string;
  platform: string;
  status: string;
  note: string | null;
}

/** Why a known issue labels a failure: its test, platform and status (no text pattern), its note, or a line of its output. */
export type MatchReason =
  { field: 'test'; excerpt: string } | { field: 'note'; excerpt: string } | { field: 'output'; line: number; excerpt: string };

const excerptLength = 300;

export class IssueMatcher {
  private readonly test: RegExp;
  private readonly platform: RegExp | null;
  private readonly text: RegExp | null;
  private readonly statuses: ReadonlySet<string>;

  constructor(readonly issue: IssuePatterns) {
    this.test = compileSafePattern(issue.testPattern);
    this.platform = issue.platformPattern ? compileSafePattern(issue.platformPattern) : null;
    this.text = issue.textPattern ? compileSafePattern(issue.textPattern) : null;
    this.statuses = new Set(issue.statuses);
  }

  /** Whether the result's test, platform and status fit; the text pattern (if any) still has to match. */
  fits(candidate: MatchCandidate): boolean {
    return (
      this.statuses.has(candidate.status) &&
      this.test.test(candidate.testName) &&
      (this.platform === null || this.platform.test(candidate.platform))
    );
  }

  /** The reason without reading output: null when it does not match or only the output can tell. */
  matchWithoutOutput(candidate: MatchCandidate): MatchReason | null {
    if (!this.fits(candidate)) return null;
    if (this.text === null) return { field: 'test', excerpt: candidate.testName };
    const note = candidate.note === null ? null : matchingText(this.text, candidate.note.slice(0, patternLimits.lineLength));
    return note === null ? null : { field: 'note', excerpt: note };
  }

  get needsOutput(): boolean {
    return this.text !== null;
  }

  /** The first line (from 1) the text pattern matches, or null. */
  matchLine(line: string): string | null {
    return this.text === null ? null : matchingText(this.text, line);
  }
}

function matchingText(pattern: RegExp, text: string): string | null {
  return pattern.test(text) ? text.slice(0, excerptLength) : null;
}

/**
 * Each matcher's first matching line of a test's output, read once line by
 * line: lines are cut at `patternLimits.lineLength` characters and reading
 * stops after `patternLimits.outputBytes`, so no output makes this slow or
 * large; a missing file matches nothing.
 */
export async function matchOutput(file: string, matchers: readonly IssueMatcher[]): Promise<Map<IssueMatcher, MatchReason>> {
  const found = new Map<IssueMatcher, MatchReason>();
  if (matchers.length === 0) return found;
  const stream = createReadStream(file, { encoding: 'utf8', end: patternLimits.outputBytes - 1 });
  const opened = new Promise<boolean>((resolve) => {
    stream.once('ready', () => resolve(true));
    stream.once('error', () => resolve(false));
  });
  if (!(await opened)) return found;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const line of lines) {
      number++;
      const text = line.slice(0, patternLimits.lineLength);
      for (const matcher of matchers) {
        if (found.has(matcher)) continue;
        const excerpt = matcher.matchLine(text);
        if (excerpt !== null) found.set(matcher, { field: 'output', line: number, excerpt });
      }
      if (found.size === matchers.length) break;
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  return found;
}
