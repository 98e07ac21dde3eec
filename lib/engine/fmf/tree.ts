import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { FmfError } from './errors';
import { mergeSpecial } from './merge';
import { isMapping, newMapping, deepCopy, hasKey, pyRepr, pyTypeName, type FmfMapping, type FmfScalar, type FmfValue } from './values';
import { loadYamlFile, readUtf8, parseYaml, type YamlDocument } from './yaml';
import { messageOf } from '../../shared/errors';

/**
 * Reading an fmf tree from disk: the `.fmf` root, files and folders to node
 * names, virtual nodes, directives, and inheritance (docs/FMF.md, "Tree root" to "Directives").
 */

export interface NodeDirectives {
  inherit?: boolean;
  select?: boolean;
}

/** One node of an fmf tree. `data` is the resolved data (after inheritance, then adjust). */
export class FmfNode {
  readonly children = new Map<string, FmfNode>();
  /**
   * What the node itself defined, merge suffixes still present. As in the
   * reference, `data` shares these values, so adjust rules that merge into a
   * nested mapping in place also change it here; copy before adjusting if needed.
   */
  ownData: FmfMapping = newMapping();
  data: FmfMapping = newMapping();
  /** Absolute paths of the files that defined this node and, after inheritance, its ancestors. */
  sources: string[] = [];
  readonly directives: NodeDirectives = {};
  /** Whether any file or virtual key defined this node (nodes never defined are pruned). */
  defined = false;

  constructor(
    readonly name: string,
    readonly parent: FmfNode | undefined,
    /** Absolute path of the tree root this node belongs to. */
    readonly root: string,
  ) {}

  /** A node is selected by `climb()` if it is a leaf, unless the `select` directive says otherwise. */
  get selected(): boolean {
    return this.directives.select ?? this.children.size === 0;
  }

  /** Pre-order walk; children sorted by name (code point order) unless `sorted` is false. */
  climb(whole = false, sorted = true): FmfNode[] {
    const visited: FmfNode[] = [];
    const pending: FmfNode[] = [this];
    while (pending.length) {
      const node = pending.pop()!;
      if (whole || node.selected) visited.push(node);
      const children = [...node.children.values()];
      if (sorted) children.sort((a, b) => compareCodePoints(a.name, b.name));
      for (let index = children.length - 1; index >= 0; index--) pending.push(children[index]);
    }
    return visited;
  }

  find(name: string): FmfNode | undefined {
    for (const node of this.climb(true)) if (node.name === name) return node;
    return undefined;
  }
}

export interface FmfTree {
  /** Absolute path of the directory holding `.fmf/`. */
  readonly root: string;
  readonly version: number;
  readonly config: FmfValue;
  readonly rootNode: FmfNode;
}

const surrogate = /[\uD800-\uDFFF]/;

/** Python's string ordering (by code point); JavaScript's default compares UTF-16 units. */
export function compareCodePoints(a: string, b: string): number {
  // UTF-16 order equals code point order unless a surrogate pair is involved.
  if (!surrogate.test(a) && !surrogate.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const left = a.codePointAt(index) ?? 0;
    const right = b.codePointAt(index) ?? 0;
    if (left !== right) return left - right;
    if (left > 0xffff) index++;
  }
  return a.length - b.length;
}

const ignoredDirectories = new Set(['/dev', '/proc', '/sys']);

/** Python `int(text)` for a version file: surrounding whitespace, a sign and `_` between digits are allowed. */
function parsePythonInt(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^[+-]?[0-9]+(?:_[0-9]+)*$/.test(trimmed)) return undefined;
  return Number(trimmed.replace(/_/g, ''));
}

function documentValue(document: YamlDocument): FmfValue {
  if (document.kind === 'null') return null;
  if (document.kind === 'other') return document.value;
  const mapping = newMapping();
  for (const [key, value] of document.entries) mapping[typeof key === 'string' ? key : pyRepr(key)] = value;
  return mapping;
}

/** The folder with `.fmf` at or above `startPath`: the root of the tree it is in. */
export function findTreeRoot(startPath: string): string {
  const absolute = path.resolve(startPath);
  let statResult;
  try {
    statResult = statSync(absolute);
  } catch {
    throw new FmfError('FileError', `Invalid directory path: ${absolute}`);
  }
  if (!statResult.isDirectory()) throw new FmfError('FileError', `Invalid directory path: ${absolute}`);
  for (let candidate = absolute; ; candidate = path.dirname(candidate)) {
    if (isDirectory(path.join(candidate, '.fmf'))) return candidate;
    if (candidate === path.dirname(candidate)) throw new FmfError('RootError', `Unable to find tree root for '${absolute}'.`);
  }
}

function isDirectory(candidate: string): boolean {
  try {
    return statSync(candidate, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

class TreeBuilder {
  private readonly visitedSymlinkTargets = new Set<string>();

  constructor(
    private readonly realRoot: string,
    private readonly config: FmfValue | undefined,
    private readonly configPath: string,
  ) {}

  /**
   * Deviation from the reference, for safety: a symlink whose target lies
   * outside the tree is ignored (fmf would follow it anywhere). A dangling
   * `.fmf` symlink is kept so that reading it fails as in the reference.
   */
  private escapesTree(linkPath: string): boolean {
    let target: string;
    try {
      target = realpathSync(linkPath);
    } catch {
      return false;
    }
    return target !== this.realRoot && !target.startsWith(this.realRoot + path.sep);
  }

  /** `explore.include` from `.fmf/config`, checked lazily (only when a hidden name is met), as the reference does. */
  private exploreInclude(): FmfValue[] {
    if (this.config === undefined) return [];
    if (!isMapping(this.config)) {
      throw new FmfError('TypeError', `Invalid config '${this.configPath}': expected a mapping, got '${pyTypeName(this.config)}'`);
    }
    if (!hasKey(this.config, 'explore')) return [];
    const explore = this.config.explore;
    if (!isMapping(explore)) throw new FmfError('TypeError', `Invalid config '${this.configPath}': 'explore' should be a mapping`);
    if (!hasKey(explore, 'include')) return [];
    const include = explore.include;
    if (!Array.isArray(include))
      throw new FmfError('GeneralError', `The 'include' config section should be a list, found '${pyRepr(include)}'.`);
    if (include.includes('.fmf')) throw new FmfError('GeneralError', "The '.fmf' directory cannot be used for storing fmf metadata.");
    return include;
  }

  private skipHidden(name: string): boolean {
    return name.startsWith('.') && !this.exploreInclude().includes(name);
  }

  grow(node: FmfNode, directory: string): void {
    if (ignoredDirectories.has(directory)) return;
    let entries;
    try {
      entries = readdirSync(directory, { withFileTypes: true });
    } catch {
      return;
    }
    const fileNames: string[] = [];
    const directoryNames: string[] = [];
    const symlinks = new Set<string>();
    for (const entry of entries) {
      if (entry.isSymbolicLink()) symlinks.add(entry.name);
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && isDirectory(path.join(directory, entry.name)));
      (isDir ? directoryNames : fileNames).push(entry.name);
    }
    const metadataFiles = fileNames.filter((name) => name.endsWith('.fmf')).sort(compareCodePoints);
    const mainIndex = metadataFiles.indexOf('main.fmf');
    if (mainIndex > 0) metadataFiles.unshift(...metadataFiles.splice(mainIndex, 1));

    for (const fileName of metadataFiles) {
      if (this.skipHidden(fileName)) continue;
      const fullPath = path.join(directory, fileName);
      if (symlinks.has(fileName) && this.escapesTree(fullPath)) continue;
      const document = loadYamlFile(fullPath);
      if (fileName === 'main.fmf') {
        node.sources.push(fullPath);
        this.update(node, document);
      } else {
        const child = this.child(node, fileName.slice(0, -'.fmf'.length), document);
        child.sources.push(fullPath);
      }
    }

    for (const directoryName of directoryNames.sort(compareCodePoints)) {
      if (this.skipHidden(directoryName)) continue;
      const fullPath = path.join(directory, directoryName);
      if (symlinks.has(directoryName)) {
        const target = realpathSync(fullPath);
        if (this.visitedSymlinkTargets.has(target) || this.escapesTree(fullPath)) continue;
        this.visitedSymlinkTargets.add(target);
      }
      if (isDirectory(path.join(fullPath, '.fmf'))) continue;
      this.growChild(node, directoryName, fullPath);
    }

    for (const [name, child] of node.children) {
      if (child.children.size === 0 && !child.defined) node.children.delete(name);
    }
  }

  private growChild(parent: FmfNode, name: string, directory: string): void {
    const child = parent.children.get(name) ?? this.createChild(parent, name);
    this.grow(child, directory);
  }

  private createChild(parent: FmfNode, name: string): FmfNode {
    const child = new FmfNode(parent.name === '/' ? `/${name}` : `${parent.name}/${name}`, parent, parent.root);
    parent.children.set(name, child);
    return child;
  }

  /** A child defined by a file or a `/name:` key. */
  private child(parent: FmfNode, name: string, document: YamlDocument): FmfNode {
    const child = parent.children.get(name) ?? this.createChild(parent, name);
    if (document.kind === 'other' && !isMapping(document.value)) {
      // The reference treats any other value as a directory path to grow, relative
      // to the process's working directory; a string normally names nothing there,
      // so the node stays undefined and is pruned. We never read outside the tree.
      if (typeof document.value !== 'string') {
        throw new FmfError(
          'AttributeError',
          `Invalid data for node '${child.name}': expected a mapping, got '${pyTypeName(document.value)}'`,
        );
      }
      return child;
    }
    this.update(child, document);
    return child;
  }

  update(node: FmfNode, document: YamlDocument): void {
    node.defined = true;
    if (document.kind === 'null') return;
    if (document.kind === 'other') {
      if (Array.isArray(document.value))
        throw new FmfError('TypeError', `Invalid data for node '${node.name}': expected a mapping, got a list`);
      if (!isMapping(document.value))
        throw new FmfError(
          'AttributeError',
          `Invalid data for node '${node.name}': expected a mapping, got '${pyTypeName(document.value)}'`,
        );
      document = { kind: 'mapping', entries: Object.entries(document.value) };
    }
    const directives = document.entries.find(([key]) => key === '/');
    if (directives) this.applyDirectives(node, directives[1]);
    for (const [key, value] of document.entries) {
      if (key === '/') continue;
      if (key === null) throw new FmfError('FormatError', "Invalid key 'None'.");
      if (typeof key !== 'string')
        throw new FmfError('AttributeError', `Invalid key ${pyRepr(key)} in '${node.name}': keys must be strings`);
      if (key.startsWith('/')) this.virtualChild(node, key, value);
      else node.ownData[key] = value;
    }
  }

  private virtualChild(parent: FmfNode, key: string, value: FmfValue): void {
    const name = key.replace(/^\/+/, '');
    const nested = /^([^/]+)(\/.*)$/s.exec(name);
    if (nested) {
      this.child(parent, nested[1], { kind: 'mapping', entries: [[nested[2], value]] });
      return;
    }
    this.child(parent, name, valueDocument(value));
  }

  private applyDirectives(node: FmfNode, directives: FmfValue): void {
    if (!isMapping(directives)) {
      throw new FmfError(
        'FormatError',
        `Invalid fmf directive in '${node.name}': Should be a 'dict', got a '${pyTypeName(directives)}' instead.`,
      );
    }
    for (const key of Object.keys(directives)) {
      if (key !== 'inherit' && key !== 'select') throw new FmfError('FormatError', `Unknown fmf directive '${key}' in '${node.name}'.`);
      const value = directives[key];
      if (typeof value !== 'boolean') {
        throw new FmfError(
          'FormatError',
          `Invalid fmf directive '${key}' in '${node.name}': Should be a 'bool', got a '${pyTypeName(value)}' instead.`,
        );
      }
    }
    Object.assign(node.directives, directives);
  }
}

function valueDocument(value: FmfValue): YamlDocument {
  if (value === null) return { kind: 'null' };
  if (isMapping(value)) return { kind: 'mapping', entries: Object.entries(value) as [FmfScalar, FmfValue][] };
  return { kind: 'other', value };
}

/** Top-down inheritance: each node starts from a deep copy of its parent's data, then merges its own. */
function inherit(node: FmfNode): void {
  const parent = node.parent;
  if (node.directives.inherit === false || !parent) {
    node.data = newMapping();
  } else {
    node.sources = [...parent.sources, ...node.sources];
    node.data = deepCopy(parent.data);
  }
  mergeSpecial(node.data, node.ownData, node.name);
  for (const child of node.children.values()) inherit(child);
}

/**
 * Reads a file of the tree's `.fmf` folder. Deviation from the reference,
 * for safety: one that is a link out of the tree is refused, never read.
 */
function readInsideTree(root: string, file: string): string {
  const realRoot = realpathSync(root);
  const real = realpathSync(file);
  if (!real.startsWith(realRoot + path.sep)) throw new FmfError('FileError', `'${path.relative(root, file)}' links out of the tree`);
  return readUtf8(real);
}

function readConfig(root: string): { config: FmfValue | undefined; configPath: string } {
  const configPath = path.join(root, '.fmf', 'config');
  if (!existsSync(configPath)) return { config: undefined, configPath };
  const document = parseYaml(readInsideTree(root, configPath), configPath);
  const config = documentValue(document);
  if (config === null) {
    // An empty config loads as None in the reference and fails as soon as a
    // hidden name is checked, which always happens (`.fmf` itself is hidden).
    throw new FmfError('TypeError', `Invalid config '${configPath}': the file is empty`);
  }
  return { config, configPath };
}

/** Finds the tree root above `startPath`, reads every metadata file and applies inheritance. */
export function loadTree(startPath: string): FmfTree {
  const root = findTreeRoot(startPath);
  const versionPath = path.join(root, '.fmf', 'version');
  let versionText: string;
  try {
    versionText = readInsideTree(root, versionPath);
  } catch (error) {
    if (error instanceof FmfError) throw error;
    throw new FmfError('FormatError', `Unable to detect format version: ${messageOf(error)}`);
  }
  const version = parsePythonInt(versionText);
  if (version === undefined) throw new FmfError('FormatError', `Invalid version format in '${versionPath}'`);
  const { config, configPath } = readConfig(root);
  const rootNode = new FmfNode('/', undefined, root);
  new TreeBuilder(realpathSync(root), config, configPath).grow(rootNode, root);
  inherit(rootNode);
  return { root, version, config: config ?? newMapping(), rootNode };
}
