// Plan `prepare` / `finish` steps: the kinds Testyard runs are kept, any other
// kind refuses the plan instead of being dropped as atex drops it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverTests, FmfError } from '../../lib/engine/fmf';

const root = mkdtempSync(path.join(tmpdir(), 'fmf-plan-steps-'));
mkdirSync(path.join(root, '.fmf'));
writeFileSync(path.join(root, '.fmf', 'version'), '1\n');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function withPlan(plan: string): string {
  writeFileSync(path.join(root, 'main.fmf'), `/tests/one:\n  test: "true"\n/plans/main:\n  discover:\n    how: fmf\n${plan}`);
  return root;
}

async function refusal(plan: string): Promise<FmfError> {
  const error = await discoverTests(withPlan(plan), { plan: '/plans/main' }).then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(FmfError);
  return error as FmfError;
}

describe('plan steps', () => {
  it('keeps install and shell steps, in order', async () => {
    const discovered = await discoverTests(
      withPlan(
        '  prepare:\n    - how: install\n      package: [make]\n    - how: shell\n      script: echo hi\n  finish:\n    how: shell\n    script: [echo bye]\n',
      ),
      { plan: '/plans/main' },
    );
    expect(discovered.prepare).toEqual([
      { how: 'install', package: ['make'] },
      { how: 'shell', script: ['echo hi'] },
    ]);
    expect(discovered.finish).toEqual([{ how: 'shell', script: ['echo bye'] }]);
  });

  it('refuses a prepare step of another kind, naming plan, step and kind', async () => {
    const error = await refusal('  prepare:\n    - how: shell\n      script: "true"\n    - how: ansible\n      playbook: setup.yml\n');
    expect(error.kind).toBe('ValueError');
    expect(error.message).toBe(
      "plan /plans/main: prepare step 2 is 'how: ansible', which Testyard does not run (it runs 'install' and 'shell' steps)",
    );
  });

  it('names a step by its name when it has one, in finish too', async () => {
    const error = await refusal('  finish:\n    name: collect logs\n    how: feature\n');
    expect(error.message).toMatch(/^plan \/plans\/main: finish step 1 \('collect logs'\) is 'how: feature', which Testyard does not run/);
  });

  it('refuses a step without a kind', async () => {
    const error = await refusal('  prepare:\n    script: echo where\n');
    expect(error.message).toMatch(/^plan \/plans\/main: prepare step 1 has no 'how', which Testyard does not run/);
  });

  it('refuses before fetching any remote discover section', async () => {
    const error = await refusal('  discover+:\n    url: file:///nonexistent/testyard-repo\n  prepare:\n    how: ansible\n');
    expect(error.message).toMatch(/prepare step 1 is 'how: ansible'/);
  });
});
