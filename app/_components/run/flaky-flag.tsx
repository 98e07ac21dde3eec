import type { FlakinessFlag } from '@/lib/shared/flakiness';

/** "flaky: 7 of last 30", shown only when the test was flaky at least once in its last runs. */
export function FlakyFlag({ flag }: { flag: FlakinessFlag }) {
  if (flag.flaky === 0) return null;
  return (
    <span
      className="rounded bg-amber-100 px-1.5 py-0.5 text-xs whitespace-nowrap text-amber-800"
      title="runs that failed then passed on a rerun, or changed outcome at the same commit"
      data-testid="flaky-flag"
    >
      flaky: {flag.flaky} of last {flag.of}
    </span>
  );
}
