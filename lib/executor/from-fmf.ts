import path from 'node:path';
import { parseFmfDuration } from '../control';
import { loadTree, type FmfNode } from '../fmf/tree';
import { FmfDate, FmfFloat, FmfSet, FmfTimestamp, isMapping, pyStr, pyTruthy, type FmfMapping, type FmfValue } from '../fmf/values';
import { ExecutorError } from './errors';
import { defaultTestDurationSeconds, type ExecutableTest, type PlanStep, type PlanSteps, type TestSuite } from './types';

type PlainValue = null | boolean | number | string | PlainValue[] | { [key: string]: PlainValue };

/**
 * Builds the executor's input from an fmf tree: the plan (or atex's default
 * one) and the tests it discovers.
 *
 * Thin on purpose: one `how: fmf` discover section, optionally limited by its
 * `test` names; the full discover rules belong to lib/fmf.
 */
export function loadTestSuite(treePath: string, planName?: string): TestSuite {
  const tree = loadTree(treePath);
  const planNode = planName ? tree.rootNode.find(planName) : undefined;
  if (planName && !planNode) throw new ExecutorError(`plan ${planName} not found in ${tree.root}`);
  const plan = planNode?.data ?? {};
  if ('test' in plan) throw new ExecutorError(`${planName} appears to be a test, not a plan`);
  const sections = mappings(plan.discover);
  if (sections.length > 1) throw new ExecutorError(`plan ${planName}: only one discover section is supported`);
  const wanted = sections[0] ? listlike(sections[0].test).map((name) => pyStr(name)) : [];

  const tests = new Map<string, ExecutableTest>();
  for (const node of tree.rootNode.climb()) {
    if (!isRunnable(node)) continue;
    if (wanted.length && !wanted.some((pattern) => new RegExp(pattern).test(node.name))) continue;
    tests.set(node.name, executableTest(node, tree.root));
  }
  return {
    root: tree.root,
    plan: planSteps(plan),
    tests,
  };
}

function isRunnable(node: FmfNode): boolean {
  const data = node.data;
  if (!('test' in data)) return false;
  if ('enabled' in data && !pyTruthy(data.enabled)) return false;
  return !pyTruthy(data.manual) && !pyTruthy(data.story);
}

function executableTest(node: FmfNode, root: string): ExecutableTest {
  const data = node.data;
  const source = node.sources.at(-1);
  const duration = data.duration;
  return {
    name: node.name,
    command: pyStr(data.test),
    directory: source ? path.relative(root, path.dirname(source)) || '.' : '.',
    durationSeconds: duration === undefined ? defaultTestDurationSeconds : parseFmfDuration(pyStr(duration)),
    environment: environmentOf(data.environment),
    require: packagesOf(data.require),
    recommend: packagesOf(data.recommend),
    tty: pyTruthy(data.tty),
    metadata: toPlain(data) as Record<string, PlainValue>,
  };
}

function planSteps(plan: FmfMapping): PlanSteps {
  const steps = (phase: FmfValue | undefined): PlanStep[] =>
    mappings(phase).flatMap((step): PlanStep[] => {
      const how = pyStr(step.how);
      if (how === 'install') return [{ how, packages: listlike(step.package).map((item) => pyStr(item)) }];
      if (how === 'shell') return [{ how, scripts: listlike(step.script).map((item) => pyStr(item)) }];
      throw new ExecutorError(`unsupported plan step "how: ${how}" (supported: install, shell)`);
    });
  const environment: Record<string, string> = {};
  for (const item of mappings(plan.environment)) Object.assign(environment, environmentOf(item));
  return { environment, prepare: steps(plan.prepare), finish: steps(plan.finish) };
}

/** atex's `listlike`: a value or a list of them; mappings stay whole. */
function listlike(value: FmfValue | undefined): FmfValue[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function mappings(value: FmfValue | undefined): FmfMapping[] {
  return listlike(value).filter(isMapping);
}

function environmentOf(value: FmfValue | undefined): Record<string, string> {
  if (!isMapping(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, pyStr(item)]));
}

/** Package names only: library references (mappings, `library(...)`) are not installed by the executor. */
function packagesOf(value: FmfValue | undefined): string[] {
  return listlike(value)
    .filter((item): item is string => typeof item === 'string' && !item.startsWith('library('));
}

function toPlain(value: FmfValue): PlainValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof FmfFloat) return value.value;
  if (value instanceof FmfDate || value instanceof FmfTimestamp) return value.iso;
  if (value instanceof FmfSet) return value.items.map(toPlain);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toPlain);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toPlain(item)]));
}
