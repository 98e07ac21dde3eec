// Compiles the testyard CLI (cli/main.ts and what it imports) into
// dist/cli/ with esbuild, so bin/testyard starts plain JavaScript instead of
// compiling TypeScript through tsx on every run. `npm ci` runs it (prepare),
// and so does `npm test`; run it by hand (`npm run build:cli`) after editing
// the sources to get the fast start back: until then bin/testyard sees that
// dist/cli/inputs.json no longer matches the sources and runs them through tsx.
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { projectRoot } from '../lib/server/config';

const root = projectRoot();
// Another folder may be given (the tests build one of their own); dependencies are found from there.
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'dist', 'cli'));
const buildDir = `${outDir}.building-${process.pid}`;

/**
 * Every output file lands in `buildDir` itself, so a module that reads a file
 * beside its source (fmf-executor.ts reads test-agent.sh) gets its source's
 * folder as a path relative to the bundle.
 */
const sourceDirname: Plugin = {
  name: 'source-dirname',
  setup(esbuild) {
    esbuild.onLoad({ filter: /\.ts$/ }, async ({ path: file }) => {
      const source = await readFile(file, 'utf8');
      if (!source.includes('import.meta.dirname')) return undefined;
      const fromBundle = path.relative(outDir, path.dirname(file));
      return {
        contents: source.replaceAll('import.meta.dirname', `(import.meta.dirname + ${JSON.stringify(`/${fromBundle}`)})`),
        loader: 'ts',
      };
    });
  },
};

const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as Record<
  'dependencies' | 'devDependencies',
  Record<string, string>
>;
const dependencies = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
const bundledDependencies = new Set(['yaml', 'zod']);

const started = performance.now();
await rm(buildDir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'cli/main.ts' },
  bundle: true,
  // One chunk per command: `testyard fmf` never loads ssh2, dockerode or socket.io-client.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Dependencies are loaded from node_modules as they are, but for a few in plain JavaScript that every
  // command loads: bundled, they cost no module resolution (yaml and zod are a hundred files).
  external: dependencies.filter((name) => !bundledDependencies.has(name)),
  // Their CommonJS code requires node's built-in modules.
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  outdir: buildDir,
  metafile: true,
  logLevel: 'warning',
  plugins: [sourceDirname],
});

// What bin/testyard compares with the sources before it trusts this build.
const inputs: Record<string, { size: number; mtimeMs: number }> = {};
for (const file of [...Object.keys(result.metafile.inputs), 'scripts/build-cli.ts', 'tsconfig.json']) {
  const { size, mtimeMs } = await stat(path.join(root, file));
  inputs[file] = { size, mtimeMs };
}
await writeFile(path.join(buildDir, 'inputs.json'), `${JSON.stringify({ inputs }, null, 1)}\n`);
// Swapped in whole: a CLI starting meanwhile finds either build or none (and then runs the sources).
await rm(outDir, { recursive: true, force: true });
await rename(buildDir, outDir);
console.log(`${path.relative(root, outDir)}: built ${Object.keys(inputs).length} sources in ${Math.round(performance.now() - started)} ms`);
