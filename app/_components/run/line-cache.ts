import { skipBytes, type TestOutputChunk } from '@/lib/shared/events/output';

export const pageLines = 500;
/** Pages of a file kept in memory: the ones read longest ago are dropped, however far one scrolls. */
const keptPages = 60;
/** Pushed lines of a running test kept in memory; older ones are read from its output file again. */
const keptPushedLines = 20_000;

/** Lines pushed while a test runs: `lines[0]` is line `first`; the last one may be unfinished. */
interface PushedLines {
  first: number;
  lines: string[];
  /** Byte offset in the output file where the pushed text ends. */
  end: number;
}

/**
 * The lines a log viewer has: pages read from the server by line number and,
 * while a test runs, the lines pushed to it. A growing file's last page is
 * read again once it has more lines than when it was read.
 */
export class LineCache {
  private pages = new Map<number, string[]>();
  private requested = new Set<number>();
  private pushed: PushedLines | null = null;
  /** Lines the server says the file has (complete lines, for a growing file). */
  private serverLines = 0;

  /** Lines known: what the server counted and what was pushed after it (an unfinished line counts). */
  get count(): number {
    if (!this.pushed) return this.serverLines;
    const { first, lines } = this.pushed;
    return Math.max(this.serverLines, first + lines.length - (lines.at(-1) === '' ? 1 : 0));
  }

  /** The line from a page read from the server, else from the pushed lines (the same text, until a page has it). */
  lineAt(index: number): string | undefined {
    return this.pagedLine(index) ?? this.pushedLine(index);
  }

  /** Whether a page read from the server has the line. */
  hasPaged(index: number): boolean {
    return this.pagedLine(index) !== undefined;
  }

  private pagedLine(index: number): string | undefined {
    const number = Math.floor(index / pageLines);
    const page = this.pages.get(number);
    const line = page?.[index % pageLines];
    if (page && line !== undefined) {
      // most recently used last
      this.pages.delete(number);
      this.pages.set(number, page);
    }
    return line;
  }

  private pushedLine(index: number): string | undefined {
    const pushed = this.pushed;
    return pushed && index >= pushed.first ? pushed.lines[index - pushed.first] : undefined;
  }

  /** Whether `page` should be fetched now: not held in full, and not being fetched. */
  claimPage(page: number): boolean {
    const held = this.pages.get(page);
    if (this.requested.has(page) || (held && (held.length === pageLines || page * pageLines + held.length >= this.serverLines)))
      return false;
    this.requested.add(page);
    return true;
  }

  /** A page arrived (`lines` may be fewer than a page at the end of the file). */
  addPage(page: number, lines: string[], serverLines: number): void {
    this.requested.delete(page);
    this.serverLines = Math.max(this.serverLines, serverLines);
    this.pages.delete(page);
    this.pages.set(page, lines);
    while (this.pages.size > keptPages) this.pages.delete(this.pages.keys().next().value!);
  }

  pageFailed(page: number): void {
    this.requested.delete(page);
  }

  setServerLines(lines: number): void {
    this.serverLines = Math.max(this.serverLines, lines);
  }

  /** Output pushed while the test runs; a gap before it is read from the file later. */
  addChunk(chunk: Pick<TestOutputChunk, 'offset' | 'end' | 'line' | 'text'>): void {
    const pushed = this.pushed;
    if (pushed && chunk.end <= pushed.end) return;
    if (!pushed || chunk.offset > pushed.end) {
      this.pushed = { first: chunk.line, lines: chunk.text.split('\n'), end: chunk.end };
    } else {
      const [rest, ...more] = skipBytes(chunk.text, pushed.end - chunk.offset).split('\n');
      pushed.lines[pushed.lines.length - 1] += rest!;
      pushed.lines.push(...more);
      pushed.end = chunk.end;
      const extra = pushed.lines.length - keptPushedLines;
      if (extra > 0) {
        pushed.lines.splice(0, extra);
        pushed.first += extra;
      }
    }
    // the file has every line before the pushed text: pages that stopped short of it can be read again
    this.serverLines = Math.max(this.serverLines, chunk.line);
  }

  /**
   * The test ended and its output is stored: pages are read from the stored
   * file; until they arrive, the pushed lines stand in for them.
   */
  settle(): void {
    // the stored file has at least the pushed lines that were complete: the count does not go back while it is indexed
    if (this.pushed) this.serverLines = Math.max(this.serverLines, this.pushed.first + this.pushed.lines.length - 1);
    for (const [page, lines] of this.pages) if (lines.length < pageLines) this.pages.delete(page);
    this.requested.clear();
  }
}
