'use client';

import { useRouter } from 'next/navigation';
import type { Example } from '@/lib/server/example/example';
import { useApi } from '../../_lib/api-client';
import { ErrorNote } from '../../_components/error-note';

/** On an empty team's dashboard: adds the shipped example and a container platform in one click, then opens the new-run form on them. */
export function ExampleOffer({
  teamSlug,
  image,
  containersUnavailable,
}: {
  teamSlug: string;
  image: string;
  containersUnavailable: string | null;
}) {
  const router = useRouter();
  const { call, error, busy } = useApi();

  async function addExample() {
    const example = await call<Example>('POST', `/api/v1/teams/${teamSlug}/example`);
    if (example)
      router.push(
        `/t/${teamSlug}/runs/new?${new URLSearchParams({ repo: example.repo.id, plan: example.plan, platform: example.platform.id })}`,
      );
  }

  return (
    <div className="mt-4 rounded-md border border-indigo-200 bg-indigo-50 p-4" data-testid="example-offer">
      <h3 className="mb-1 font-medium">Try it with the example</h3>
      <p className="mb-3 text-sm text-slate-700">
        Adds a repository of three small example tests (one passes, one prints a line a second for 15 s, one fails with a note and a file)
        and a container platform running <code className="text-xs">{image}</code>, then opens the form to start the run.
      </p>
      {containersUnavailable && (
        <p className="mb-3 text-sm text-amber-700" data-testid="example-containers-unavailable">
          No running worker can run containers yet: {containersUnavailable}.
        </p>
      )}
      <button type="button" className="btn" disabled={busy} onClick={() => void addExample()}>
        Add the example
      </button>
      <ErrorNote error={error} />
    </div>
  );
}
