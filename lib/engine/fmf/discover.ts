import { existsSync } from 'node:fs';
import path from 'node:path';
import { adjustTree } from './adjust';
import { Context } from './context';
import { DEFAULT_DURATION, durationToSeconds } from './duration';
import { FmfError } from './errors';
import { fetchRepository, type SourceAccess } from './git';
import { pySearch } from './pyregex';
import { prune } from './select';
import { findTreeRoot, loadTree, type FmfNode, type FmfTree } from './tree';
import { hasKey, isMapping, newMapping, pyRepr, pyStr, pyTruthy, pyTypeName, type FmfMapping, type FmfValue } from './values';
import { messageOf } from '../../shared/errors';

/**
 * Test discovery for a tmt plan, exactly as atex's `discover()` does it
 * (docs/FMF.md, "Discover"): pick the plan, run every `discover: how: fmf` section
 * (local or fetched by URL), select tests with names / filters / conditions
 * / excludes, and resolve beakerlib library requirements.
 */

/** A context dimension → value(s), e.g. `{ distro: 'fedora-40', arch: ['x86_64'] }`. */
export type ContextDimensions = Record<string, string | string[]>;

export interface DiscoverOptions {
  /** Plan node name (`/plans/smoke`); without it, a plan with one plain `discover: how: fmf` is used. */
  plan?: string;
  /** Regular expressions searched in test names (added to the plan's `test`). */
  names?: string[];
  /** fmf filter expressions (added to the plan's `filter`). */
  filters?: string[];
  /** Python-like conditions on test data. */
  conditions?: string[];
  /** Regular expressions of test names to leave out (added to the plan's `exclude`). */
  excludes?: string[];
  /** Adjust context; the tree is always adjusted (an empty context when absent). */
  context?: ContextDimensions;
  /** Resolve beakerlib libraries (default true). */
  libraries?: boolean;
  /** Where fetched repositories are cached (remote discover sections and libraries). */
  cacheDir?: string;
  /** What remote repositories and local library folders the metadata may name; anything when absent. */
  access?: SourceAccess;
  /** Where `library(nick/name)` requirements are looked up: `<beakerlibUrl>/<nick>` (default GitHub's beakerlib organisation). */
  beakerlibUrl?: string;
}

/** A `require` entry: a package name, or a library / file reference as written in the metadata. */
export type Requirement = string | FmfMapping;

/** A plan `prepare` / `finish` step the executor runs (atex supports these two kinds). */
export type PlanStep = { how: 'install'; package: string[] } | { how: 'shell'; script: string[] };

/**
 * A file the executor must create under the uploaded tests directory so that
 * beakerlib finds libraries: a relative symlink to a library inside the tree,
 * or a copy of a library fetched from elsewhere.
 */
export type LibraryPlacement = { path: string; symlink: string } | { path: string; copyFrom: string };

/** What the executor needs to run one test. */
export interface TestRuntime {
  /** The test's own `environment` (the plan environment comes first, see DiscoveredTests.planEnvironment). */
  environment: Record<string, string>;
  duration: string;
  durationSeconds: number;
  /** Run the test with a pseudo-terminal. */
  tty: boolean;
  /** Package names from `require` (library and file references left out). */
  pkgRequires: string[];
  pkgRecommends: string[];
}

export interface DiscoveredTest {
  /** Test name; prefixed with `/<section name>` when the plan has named discover sections. */
  name: string;
  /** The shell command (`test` key). */
  test: string;
  /** Directory of the test's fmf file, relative to the tests directory (`.` is its root): the test's working directory. */
  source: string;
  /** Fully resolved metadata (adjusted; `require`/`recommend` resolved when libraries are on). `extra-*` keys are here as-is. */
  data: FmfMapping;
  tags: string[];
  require: Requirement[];
  recommend: string[];
  runtime: TestRuntime;
}

/** A fetched repository that a discover section or a library came from. */
export interface FetchedSource {
  url: string;
  ref: string | undefined;
  commit: string;
}

export interface DiscoveredTests {
  /** The plan's resolved data (or the dummy plan). */
  plan: FmfMapping;
  /** Tests in execution order. */
  tests: DiscoveredTest[];
  /** Plan `environment` merged in order (a list of mappings is allowed), values as strings. */
  planEnvironment: Record<string, string>;
  prepare: PlanStep[];
  finish: PlanStep[];
  /** Every package the plan installs or a test requires, sorted. */
  allPkgRequires: string[];
  /** Files to create for libraries, paths relative to the tests directory. */
  libraries: LibraryPlacement[];
  /**
   * The directories to upload as the tests directory: each section's tree
   * root, placed at `prefix` (`''` for the tests directory itself, or the
   * section name when sections are named).
   */
  trees: { prefix: string; root: string; fetched?: FetchedSource }[];
}

/** atex's `listlike`: a missing or null value is `[]`, a single value a one-item list. */
export function listlike(data: FmfMapping, key: string): FmfValue[] {
  if (!hasKey(data, key) || data[key] === null) return [];
  const value = data[key];
  return Array.isArray(value) ? value : [value];
}

function stringList(data: FmfMapping, key: string, owner: string): string[] {
  return listlike(data, key).map((item) => {
    if (typeof item !== 'string') throw new FmfError('ValueError', `'${key}' of ${owner} must hold strings, got ${pyRepr(item)}`);
    return item;
  });
}

function dummyPlan(): FmfMapping {
  const plan = newMapping();
  const discover = newMapping();
  discover.how = 'fmf';
  const execute = newMapping();
  execute.how = 'tmt';
  plan.discover = discover;
  plan.execute = execute;
  return plan;
}

function selectPlan(tree: FmfTree, planName: string | undefined): FmfMapping {
  if (!planName) return dummyPlan();
  const node = tree.rootNode.find(planName);
  if (!node) throw new FmfError('ValueError', `plan ${planName} not found in ${tree.root}`);
  if (hasKey(node.data, 'test')) throw new FmfError('ValueError', `plan ${planName} appears to be a test`);
  if (node.children.size) throw new FmfError('ValueError', `'${planName}' matches multiple plans: ${[...node.children.keys()].join(', ')}`);
  return node.data;
}

function discoverSections(plan: FmfMapping): FmfMapping[] {
  const sections = listlike(plan, 'discover').filter((section): section is FmfMapping => {
    if (!isMapping(section)) throw new FmfError('ValueError', `a discover section must be a mapping, got ${pyRepr(section)}`);
    return (hasKey(section, 'how') ? section.how : 'fmf') === 'fmf';
  });
  if (!sections.length) throw new FmfError('ValueError', 'no fmf discover sections found in the plan');
  if (sections.length > 1) {
    if (sections.some((section) => !hasKey(section, 'name')))
      throw new FmfError('ValueError', ">1 discover sections found: 'name' must be defined for each");
    if (new Set(sections.map((section) => pyStr(section.name))).size < sections.length) {
      throw new FmfError('ValueError', "'name' must be unique for each discover section");
    }
  }
  return sections;
}

function environmentOf(data: FmfMapping, owner: string): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const item of listlike(data, 'environment')) {
    if (!isMapping(item))
      throw new FmfError('ValueError', `'environment' of ${owner} must be a mapping or a list of mappings, got ${pyRepr(item)}`);
    for (const key of Object.keys(item)) environment[key] = pyStr(item[key]);
  }
  return environment;
}

/**
 * The plan's `prepare` or `finish` steps. atex skips a step of any other kind
 * (ansible, feature, …) without a word, so a run would go ahead on systems
 * that lack what the step sets up: such a plan is refused, naming the step.
 */
function planSteps(plan: FmfMapping, planName: string, key: 'prepare' | 'finish'): PlanStep[] {
  return listlike(plan, key).map((item, index) => {
    if (!isMapping(item)) throw new FmfError('ValueError', `plan '${key}' entries must be mappings, got ${pyRepr(item)}`);
    if (item.how === 'install') return { how: 'install', package: stringList(item, 'package', `plan '${key}'`) };
    if (item.how === 'shell') return { how: 'shell', script: stringList(item, 'script', `plan '${key}'`) };
    const step = `${key} step ${index + 1}${hasKey(item, 'name') ? ` (${pyRepr(item.name)})` : ''}`;
    const kind = hasKey(item, 'how') ? `is 'how: ${pyStr(item.how)}'` : "has no 'how'";
    throw new FmfError(
      'ValueError',
      `plan ${planName}: ${step} ${kind}, which Testyard does not run (it runs 'install' and 'shell' steps)`,
    );
  });
}

function isTest(node: FmfNode): boolean {
  const data = node.data;
  if (!hasKey(data, 'test')) return false;
  if (hasKey(data, 'enabled') && !pyTruthy(data.enabled)) return false;
  return !pyTruthy(data.manual) && !pyTruthy(data.story);
}

function sourceDirectory(node: FmfNode, root: string): string {
  const last = node.sources[node.sources.length - 1];
  if (last === undefined) {
    // atex fails here with IndexError: a virtual node with `inherit: false` has no source file.
    throw new FmfError('IndexError', `test ${node.name} has no metadata file of its own (a virtual node with 'inherit: false')`);
  }
  return path.relative(root, path.dirname(last)) || '.';
}

interface SectionTests {
  tree: FmfTree;
  fetched?: FetchedSource;
  tests: { name: string; data: FmfMapping; source: string }[];
}

async function loadSectionTree(
  section: FmfMapping,
  localTree: FmfTree,
  context: Context,
  options: DiscoverOptions,
): Promise<{ tree: FmfTree; fetched?: FetchedSource }> {
  if (!hasKey(section, 'url')) return { tree: localTree };
  const ref = hasKey(section, 'ref') ? pyStr(section.ref) : undefined;
  const repository = await fetchNamed(pyStr(section.url), ref, options);
  const subPath = hasKey(section, 'path') ? pyStr(section.path).replace(/^\/+/, '') : '.';
  const tree = loadTreeInside(repository.checkout, subPath);
  adjustTree(tree.rootNode, context);
  return { tree, fetched: { url: repository.url, ref, commit: repository.commit } };
}

/** Loads the tree at `subPath` of a checkout, refusing paths that leave it. */
function loadTreeInside(checkout: string, subPath: string): FmfTree {
  const target = path.resolve(checkout, subPath);
  const inside = (candidate: string) => candidate === checkout || candidate.startsWith(checkout + path.sep);
  if (!inside(target)) throw new FmfError('ReferenceError', `path '${subPath}' leaves the repository`);
  const tree = loadTree(target);
  if (!inside(tree.root)) throw new FmfError('RootError', `Unable to find tree root for '${subPath}' in the repository.`);
  return tree;
}

function selectSectionTests(tree: FmfTree, section: FmfMapping, options: DiscoverOptions): SectionTests['tests'] {
  const names = [...stringList(section, 'test', 'the discover section'), ...(options.names ?? [])];
  const filters = [...stringList(section, 'filter', 'the discover section'), ...(options.filters ?? [])];
  const excludes = [...(options.excludes ?? []), ...stringList(section, 'exclude', 'the discover section')];
  const selected: SectionTests['tests'] = [];
  for (const node of prune(tree.rootNode, { names, filters, conditions: options.conditions ?? [] })) {
    if (excludes.some((exclude) => pySearch(exclude, node.name))) continue;
    if (!isTest(node)) continue;
    const data = newMapping();
    Object.assign(data, node.data);
    selected.push({ name: node.name, data, source: sourceDirectory(node, tree.root) });
  }
  return selected;
}

/** Discovers the tests of a plan in a tree (a path or an already loaded tree, which is adjusted in place). */
export async function discoverTests(source: string | FmfTree, options: DiscoverOptions = {}): Promise<DiscoveredTests> {
  const tree = typeof source === 'string' ? loadTree(source) : source;
  const context = new Context(options.context ?? {});
  adjustTree(tree.rootNode, context);
  const plan = selectPlan(tree, options.plan);
  // Checked before any discover section is fetched: a plan that cannot run is refused at once.
  const prepare = planSteps(plan, options.plan ?? 'the default plan', 'prepare');
  const finish = planSteps(plan, options.plan ?? 'the default plan', 'finish');
  const tests: DiscoveredTest[] = [];
  const testIndex = new Map<string, number>();
  const libraries: LibraryPlacement[] = [];
  const trees: DiscoveredTests['trees'] = [];

  for (const section of discoverSections(plan)) {
    const prefix = hasKey(section, 'name') ? pyStr(section.name) : '';
    if (prefix.includes('/') || prefix === '.' || prefix === '..')
      throw new FmfError('ValueError', `invalid discover section 'name': ${prefix}`);
    const { tree: sectionTree, fetched } = await loadSectionTree(section, tree, context, options);
    trees.push({ prefix, root: sectionTree.root, ...(fetched ? { fetched } : {}) });
    const selected = selectSectionTests(sectionTree, section, options);
    if (options.libraries ?? true) {
      const resolver = new LibraryResolver(sectionTree, prefix, context, options);
      for (const test of selected) {
        const { require, recommend } = await resolver.resolve(test.data);
        test.data.require = require;
        test.data.recommend = recommend;
      }
      libraries.push(...resolver.placements);
    }
    for (const test of selected) {
      const name = prefix ? `/${prefix}${test.name}` : test.name;
      const discovered = describeTest(name, test.data, prefix ? path.posix.join(prefix, test.source) : test.source);
      // A later section replaces a test of the same name but keeps its position, like a dict update.
      const existing = testIndex.get(name);
      if (existing === undefined) {
        testIndex.set(name, tests.length);
        tests.push(discovered);
      } else {
        tests[existing] = discovered;
      }
    }
  }

  const packages = new Set<string>();
  for (const step of prepare) if (step.how === 'install') step.package.forEach((name) => packages.add(name));
  for (const test of tests) test.runtime.pkgRequires.forEach((name) => packages.add(name));
  return {
    plan,
    tests,
    planEnvironment: environmentOf(plan, 'the plan'),
    prepare,
    finish,
    allPkgRequires: [...packages].sort(),
    libraries,
    trees,
  };
}

function describeTest(name: string, data: FmfMapping, source: string): DiscoveredTest {
  const duration = hasKey(data, 'duration') ? pyStr(data.duration) : DEFAULT_DURATION;
  const packageNames = (key: string) => listlike(data, key).filter((entry): entry is string => typeof entry === 'string');
  return {
    name,
    test: pyStr(data.test),
    source,
    data,
    tags: listlike(data, 'tag').map((tag) => pyStr(tag)),
    require: listlike(data, 'require').filter((entry): entry is Requirement => typeof entry === 'string' || isMapping(entry)),
    recommend: packageNames('recommend'),
    runtime: {
      environment: environmentOf(data, `test ${name}`),
      duration,
      durationSeconds: durationToSeconds(duration),
      tty: pyTruthy(data.tty),
      pkgRequires: packageNames('require'),
      pkgRecommends: packageNames('recommend'),
    },
  };
}

const legacyLibrary = /^library\(([^/]+)(\/[^)]+)\)$/;

/**
 * beakerlib library resolution, as atex does it: `library(nick/name)`
 * strings and `{type: library, ...}` mappings are located (in the tree, at
 * a local path, or fetched by URL), placed under `libs/<nick>/...`, and
 * their own `require`/`recommend` are appended, recursively.
 */
class LibraryResolver {
  readonly placements: LibraryPlacement[] = [];
  private readonly cache = new Map<string, { require: Requirement[]; recommend: string[] }>();
  private readonly notFound = new Set<string>();
  private readonly libsDir: string;

  constructor(
    private readonly tree: FmfTree,
    private readonly prefix: string,
    private readonly context: Context,
    private readonly options: Pick<DiscoverOptions, 'cacheDir' | 'beakerlibUrl' | 'access'>,
  ) {
    this.libsDir = path.posix.join(prefix, 'libs');
  }

  private fromCache(key: string, require: Requirement[], recommend: string[]): boolean {
    const cached = this.cache.get(key);
    if (!cached) return false;
    require.push(...cached.require);
    recommend.push(...cached.recommend);
    return true;
  }

  async resolve(data: FmfMapping): Promise<{ require: Requirement[]; recommend: string[] }> {
    const require: Requirement[] = [];
    const recommend: string[] = [];
    for (const entry of listlike(data, 'recommend')) {
      if (typeof entry !== 'string')
        throw new FmfError('ValueError', `non-string '${pyTypeName(entry)}' not allowed in 'recommend': ${pyStr(entry)}`);
      recommend.push(entry);
    }
    for (const entry of listlike(data, 'require')) {
      if (isMapping(entry) && (hasKey(entry, 'type') ? entry.type : 'library') !== 'library') {
        require.push(entry);
        continue;
      }
      let library: { key: string; node: FmfNode } | undefined;
      if (typeof entry === 'string') {
        const legacy = legacyLibrary.exec(entry);
        if (!legacy) {
          require.push(entry);
          continue;
        }
        library = await this.legacyLibrary(entry, legacy[1], legacy[2], require, recommend);
      } else if (isMapping(entry) && !hasKey(entry, 'url') && !hasKey(entry, 'path')) {
        library = this.inTreeLibrary(entry, require, recommend);
      } else if (isMapping(entry)) {
        library = await this.fetchedLibrary(entry, require, recommend);
      } else {
        throw new FmfError('ValueError', `invalid require (bad type?): ${pyStr(entry)}`);
      }
      if (!library) continue;
      // A sentinel first, so that circular library dependencies terminate.
      this.cache.set(library.key, { require: [], recommend: [] });
      const nested = await this.resolve(library.node.data);
      this.cache.set(library.key, nested);
      require.push(...nested.require);
      recommend.push(...nested.recommend);
    }
    return { require, recommend };
  }

  private async legacyLibrary(entry: string, nick: string, name: string, require: Requirement[], recommend: string[]) {
    const url = `${this.options.beakerlibUrl ?? 'https://github.com/beakerlib'}/${nick}`;
    const reference = newMapping();
    Object.assign(reference, { type: 'library', url, name });
    const key = `${nick}${name}`;
    if (this.notFound.has(key)) {
      require.push(entry);
      return undefined;
    }
    if (this.fromCache(key, require, recommend)) {
      require.push(reference);
      return undefined;
    }
    let node: FmfNode | undefined;
    try {
      node = (await this.remoteNode(url, undefined, '.', name)).node;
    } catch (error) {
      // A library that does not exist is left for the package manager, as atex does.
      if (
        !(error instanceof FmfError) ||
        !(
          error.is('ReferenceError') ||
          error.is('RootError') ||
          /not found|does not exist|does not appear to be a git repository/i.test(error.message)
        )
      )
        throw error;
    }
    if (!node) {
      this.notFound.add(key);
      require.push(entry);
      return undefined;
    }
    this.place(path.posix.join(this.libsDir, nick, name.replace(/^\/+/, '')), node);
    require.push(reference);
    return { key, node };
  }

  private inTreeLibrary(entry: FmfMapping, require: Requirement[], recommend: string[]) {
    const nick = entry.nick;
    if (!pyTruthy(nick)) throw new FmfError('ValueError', `'nick' must be defined for url-less: ${pyStr(entry)}`);
    const node = hasKey(entry, 'name') ? this.tree.rootNode.find(pyStr(entry.name)) : undefined;
    if (!node) throw new FmfError('ValueError', `couldn't find library node: ${pyStr(entry)}`);
    require.push(entry);
    const key = `${pyStr(nick)}${node.name}`;
    if (this.fromCache(key, require, recommend)) return undefined;
    const relativeName = node.name.replace(/^\/+/, '');
    const target = path.posix.join(this.libsDir, pyStr(nick), relativeName);
    const alreadyThere =
      existsSync(path.join(this.tree.root, 'libs', pyStr(nick), relativeName)) ||
      this.placements.some((placement) => placement.path === target);
    if (!alreadyThere) {
      const source = path.posix.join(this.prefix, relativeName);
      this.placements.push({ path: target, symlink: path.posix.relative(path.posix.dirname(target), source) });
    }
    return { key, node };
  }

  private async fetchedLibrary(entry: FmfMapping, require: Requirement[], recommend: string[]) {
    const name = hasKey(entry, 'name') ? pyStr(entry.name) : '/';
    let nick = hasKey(entry, 'nick') && pyTruthy(entry.nick) ? pyStr(entry.nick) : '';
    if (!nick && hasKey(entry, 'url'))
      nick = pyStr(entry.url)
        .replace(/\/+$/, '')
        .split('/')
        .pop()!
        .replace(/\.git$/, '');
    else if (!nick && hasKey(entry, 'path')) nick = path.basename(pyStr(entry.path));
    require.push(entry);
    const fmfPath = hasKey(entry, 'path') ? pyStr(entry.path) : '';
    const key = hasKey(entry, 'url') ? `${nick}:${fmfPath}:${name}` : `${nick}${name}`;
    const target = hasKey(entry, 'url')
      ? path.posix.join(this.libsDir, nick, fmfPath.replace(/^\/+/, ''), name.replace(/^\/+/, ''))
      : path.posix.join(this.libsDir, nick, name.replace(/^\/+/, ''));
    if (this.fromCache(key, require, recommend)) return undefined;
    let located: { node: FmfNode };
    try {
      located = hasKey(entry, 'url')
        ? await this.remoteNode(pyStr(entry.url), hasKey(entry, 'ref') ? pyStr(entry.ref) : undefined, fmfPath || '.', name)
        : await this.localNode(fmfPath, name);
    } catch (error) {
      if (error instanceof FmfError && error.is('RootError'))
        throw new FmfError('ValueError', `repository has no fmf metadata: ${pyStr(entry)}`);
      if (error instanceof FmfError && error.is('ReferenceError'))
        throw new FmfError('ValueError', `library node not found in repository: ${pyStr(entry)}`);
      throw error;
    }
    this.place(target, located.node);
    return { key, node: located.node };
  }

  private place(target: string, node: FmfNode): void {
    this.placements.push({ path: target, copyFrom: path.join(node.root, node.name.replace(/^\/+/, '')) });
  }

  private async localNode(treePath: string, name: string): Promise<{ node: FmfNode }> {
    if (!treePath.startsWith('/') && treePath !== '.') throw new FmfError('ReferenceError', `Relative path "${treePath}" specified.`);
    return { node: findNode(await loadLocalTree(treePath, this.options.access), name) };
  }

  private async remoteNode(url: string, ref: string | undefined, treePath: string, name: string): Promise<{ node: FmfNode }> {
    const repository = await fetchNamed(url, ref, this.options);
    const tree = loadTreeInside(repository.checkout, treePath.replace(/^\/+/, '') || '.');
    const node = findNode(tree, name);
    adjustTree(node, this.context);
    return { node };
  }
}

/** fetchRepository for a URL the metadata names: a failure says which. */
async function fetchNamed(url: string, ref: string | undefined, options: Pick<DiscoverOptions, 'cacheDir' | 'access'>) {
  try {
    return await fetchRepository(url, ref, options.cacheDir, options.access);
  } catch (error) {
    if (error instanceof FmfError) throw new FmfError(error.kind, `cannot fetch ${url}: ${error.message}`);
    throw error;
  }
}

/** A tree in a local folder; with `access`, both the folder and the tree root found above it must be allowed. */
export async function loadLocalTree(folder: string, access: SourceAccess | undefined): Promise<FmfTree> {
  return loadTree(await localTreeRoot(folder, access));
}

/** The root of the tree a local folder is in, through the source policy (both the folder and the root must be allowed), without reading the tree. */
export async function localTreeRoot(folder: string, access: SourceAccess | undefined): Promise<string> {
  if (!access) return findTreeRoot(folder);
  const refused = (error: unknown) => new FmfError('FileError', `cannot read a local folder: ${messageOf(error)}`);
  const real = await access.localFolder(path.resolve(folder)).catch((error: unknown) => {
    throw refused(error);
  });
  const root = findTreeRoot(real);
  await access.localFolder(root).catch((error: unknown) => {
    throw refused(error);
  });
  return root;
}

function findNode(tree: FmfTree, name: string): FmfNode {
  const node = tree.rootNode.find(name);
  if (!node) throw new FmfError('ReferenceError', `No tree node found for '${name}' reference`);
  return node;
}
