'use client';

import { useState } from 'react';
import { ansiToSpans } from '@/lib/shared/ansi';
import { copyText } from '../run/copy-text';
import { rangeFromHash } from '../run/log-viewer';

/** At most this many selected lines go into the excerpt; the permalink still names the whole range. */
const excerptLines = 100;

export interface BugReportFacts {
  test: string;
  platform: string;
  status: string;
  note: string | null;
  runNumber: number;
  runPath: string;
  attempt: number;
  attemptPath: string;
  /** the shown log: its name and its `…/lines` API with the query it needs */
  log: { name: string; lines: string; params?: Record<string, string> } | null;
}

async function selectedExcerpt(log: NonNullable<BugReportFacts['log']>, from: number, count: number): Promise<string[] | null> {
  const query = new URLSearchParams({ ...log.params, from: String(from), count: String(count) });
  const response = await fetch(`${log.lines}?${query}`).catch(() => null);
  if (!response?.ok) return null;
  const { lines } = (await response.json()) as { lines: string[] };
  return lines.map((line) =>
    ansiToSpans(line)
      .map((span) => span.text)
      .join(''),
  );
}

/** A fence longer than any backtick run in the excerpt, so log text cannot close it early. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  return '`'.repeat(longest + 1);
}

export async function bugReportMarkdown(facts: BugReportFacts, location: Location): Promise<string> {
  const absolute = (path: string) => `${location.origin}${path}`;
  const lines = [
    `**Test:** \`${facts.test}\` on \`${facts.platform}\``,
    `**Status:** ${facts.status}${facts.note ? ` — ${facts.note}` : ''}`,
    `**Run:** [#${facts.runNumber}](${absolute(facts.runPath)}) · **Attempt:** [${facts.attempt}](${absolute(facts.attemptPath)})`,
  ];
  const range = rangeFromHash(location.hash);
  if (facts.log && range) {
    const permalink = `${location.origin}${location.pathname}${location.search}${location.hash}`;
    const label = range.from === range.to ? `line ${range.from + 1}` : `lines ${range.from + 1}–${range.to + 1}`;
    lines.push(`**Log:** [${facts.log.name}, ${label}](${permalink})`);
    const excerpt = await selectedExcerpt(facts.log, range.from, Math.min(range.to - range.from + 1, excerptLines));
    if (excerpt?.length) {
      const text = excerpt.join('\n');
      const more = range.to - range.from + 1 > excerpt.length ? `\n(first ${excerpt.length} lines of the selection)` : '';
      lines.push('', `${fence(text)}\n${text}\n${fence(text)}${more}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Puts a Markdown summary of the result (and the selected log lines) on the clipboard, ready for a bug tracker. */
export function BugReportButton({ facts }: { facts: BugReportFacts }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    const copied = await copyText(await bugReportMarkdown(facts, window.location));
    setState(copied ? 'copied' : 'failed');
    setTimeout(() => setState('idle'), 2000);
  };
  return (
    <button
      className="btn-quiet"
      onClick={() => void copy()}
      data-testid="copy-bug-report"
      title="Markdown: test, status, links and the selected log lines"
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy for bug report'}
    </button>
  );
}
