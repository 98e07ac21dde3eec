// The run page's live state, rebuilt from a run's events.
import { expect, test } from 'vitest';
import type { RunEvent, SequencedRunEvent } from '../../lib/events/catalogue';
import { applyRunEvents, type LiveRunState } from '../../app/_components/run/run-state';

const empty: LiveRunState = { status: 'queued', platforms: {}, provisioning: {}, pool: {}, running: {} };

function applied(events: RunEvent[]): LiveRunState {
  const sequenced = events.map((event, index): SequencedRunEvent => ({ runId: 'r', seq: index + 1, at: '', event }));
  return applyRunEvents(empty, sequenced);
}

const workerBusyOnTwoPlatforms: RunEvent[] = [
  { type: 'run.started' },
  { type: 'platform.started', platform: 'debian', tests: 3 },
  { type: 'platform.started', platform: 'fedora', tests: 3 },
  { type: 'remote.requested', platform: 'debian', count: 2 },
  { type: 'remote.provisioned', platform: 'debian', remote: 'debian-1' },
  { type: 'test.started', platform: 'debian', remote: 'debian-1', test: '/a', attempt: 1 },
  { type: 'remote.provisioned', platform: 'fedora', remote: 'fedora-1' },
  { type: 'test.started', platform: 'fedora', remote: 'fedora-1', test: '/a', attempt: 1 },
];

test('a platform started again (its worker was lost) forgets that worker’s systems and running tests, not other platforms’', () => {
  const state = applied([...workerBusyOnTwoPlatforms, { type: 'platform.started', platform: 'debian', tests: 3 }]);
  expect(Object.keys(state.pool)).toEqual(['fedora-1']);
  expect(Object.values(state.running).map((running) => running.platform)).toEqual(['fedora']);
  expect(state.provisioning.debian).toBeUndefined();
  expect(state.platforms.debian).toMatchObject({ status: 'running', total: 3 });
});

test('a cancelled run shows its unfinished platforms cancelled and its finished ones as they ended', () => {
  const state = applied([
    ...workerBusyOnTwoPlatforms,
    { type: 'platform.finished', platform: 'fedora', status: 'passed', error: null },
    { type: 'run.cancelled', by: 'someone' },
  ]);
  expect(state.status).toBe('cancelled');
  expect(state.platforms.debian).toMatchObject({ status: 'cancelled', running: 0 });
  expect(state.platforms.fedora).toMatchObject({ status: 'passed' });
});
