import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { adjustTree, Context, discoverTests, evaluateCondition, FmfError, loadTree, matchesFilter, newMapping } from '../../lib/engine/fmf';

const root = mkdtempSync(path.join(tmpdir(), 'fmf-robust-'));
mkdirSync(path.join(root, '.fmf'));
writeFileSync(path.join(root, '.fmf', 'version'), '1\n');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs `work`; anything thrown must be an FmfError (a clear, classified message), never a crash. */
function onlyFmfErrors(work: () => unknown): void {
  try {
    work();
  } catch (error) {
    if (!(error instanceof FmfError)) throw error;
    expect(error.message.length).toBeGreaterThan(0);
  }
}

const yamlPieces = fc.constantFrom(
  'a: 1',
  'tag+: [x]',
  '/child:',
  '  test: echo',
  '- item',
  '/:',
  '  inherit: nope',
  'adjust:',
  '  when: distro == fedora',
  '  - x: 1',
  '    when: arch ~ (',
  'k: [1, {a: b}]',
  '&a x: *b',
  '!!binary zz',
  'x-~: 1',
  'x~: /a/b/',
  'x~: //b/',
  '1: one',
  'null: z',
  '"/q": 1',
  '? complex',
  '  - - nested',
  '\t',
  '%YAML 1.1',
  '---',
  'env+: {A: 1}',
  'test: 5',
  'duration: 1x',
  'enabled: false',
  '/virt: 3',
);

describe('bad input never crashes', () => {
  it('loading and adjusting arbitrary metadata', () => {
    fc.assert(
      fc.property(fc.array(yamlPieces, { maxLength: 12 }), fc.string({ maxLength: 20 }), (lines, noise) => {
        writeFileSync(path.join(root, 'main.fmf'), `${lines.join('\n')}\n${noise}`);
        onlyFmfErrors(() => {
          const tree = loadTree(root);
          adjustTree(tree.rootNode, new Context({ distro: 'fedora-40' }));
        });
      }),
      { numRuns: 400 },
    );
  });

  it('discovering tests in arbitrary metadata', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(yamlPieces, { maxLength: 10 }), async (lines) => {
        writeFileSync(path.join(root, 'main.fmf'), `${lines.join('\n')}\n`);
        try {
          await discoverTests(root, { libraries: true });
        } catch (error) {
          if (!(error instanceof FmfError)) throw error;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('arbitrary rules, filters and conditions', () => {
    const text = fc.oneof(fc.string({ maxLength: 30 }), fc.stringMatching(/^[a-z =!~<>,.|&:()\\[\]*+?-]{0,30}$/));
    const data = newMapping();
    Object.assign(data, { tag: ['a', 'b'], tier: 1, environment: Object.assign(newMapping(), { X: '1' }) });
    fc.assert(
      fc.property(text, (input) => {
        onlyFmfErrors(() => new Context({ distro: ['fedora-40', 'rhel-9.2'] }).decide(input));
        onlyFmfErrors(() => matchesFilter(input, data, { regexp: true, name: '/n' }));
        onlyFmfErrors(() => matchesFilter(input, data, { sensitive: false }));
        onlyFmfErrors(() => evaluateCondition(input, data));
      }),
      { numRuns: 2000 },
    );
  });
});
