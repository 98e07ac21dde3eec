import { createHash } from 'node:crypto';
import { open, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** One line of an attempt's `results` file (see docs/ORCHESTRATION.md, "Test artifacts"). */
export interface ResultLine {
  /** Position in the file, from 0. */
  line: number;
  status: string;
  name: string | null;
  note: string | null;
  /** Every other key, `files` included, as written. */
  extra: Record<string, unknown> | null;
}

export interface AttemptFile {
  /** Relative to the artifacts folder, e.g. "files/sub/test.log". */
  path: string;
  absolutePath: string;
  size: number;
  sha256: string;
}

/** Reads `results`; a missing file means the test reported nothing. */
export async function readResultLines(artifactsDir: string): Promise<ResultLine[]> {
  let text: string;
  try {
    text = await readFile(path.join(artifactsDir, 'results'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines: ResultLine[] = [];
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    const { status, name, note, ...rest } = JSON.parse(raw) as Record<string, unknown>;
    lines.push({
      line: lines.length,
      status: typeof status === 'string' ? status : 'error',
      name: typeof name === 'string' ? name : null,
      note: typeof note === 'string' ? note : null,
      extra: Object.keys(rest).length ? rest : null,
    });
  }
  return lines;
}

/** Every regular file under `files/` with its size and sha256 (symlinks and other special files are left out). */
export async function listAttemptFiles(artifactsDir: string, parallel = 8): Promise<AttemptFile[]> {
  const filesDir = path.join(artifactsDir, 'files');
  let entries;
  try {
    entries = await readdir(filesDir, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const regular = entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
  const files: AttemptFile[] = [];
  let next = 0;
  const worker = async () => {
    while (next < regular.length) {
      const absolutePath = regular[next++]!;
      const { size, sha256 } = await hashFile(absolutePath);
      files.push({ path: path.relative(artifactsDir, absolutePath).split(path.sep).join('/'), absolutePath, size, sha256 });
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, regular.length) }, worker));
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Read through a file handle rather than a stream: most attempt files are a few bytes, where a stream's set-up is most of the cost. */
async function hashFile(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(64 * 1024);
  let size = 0;
  const handle = await open(file);
  try {
    for (let bytesRead; (bytesRead = (await handle.read(buffer, 0, buffer.length, null)).bytesRead) > 0;) {
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return { size, sha256: hash.digest('hex') };
}

/** The result a file belongs to: files of a result named N are under `files/N/`; the rest belong to the test's own result. */
export function owningResultLine(filePath: string, lines: readonly ResultLine[]): number | null {
  let best: ResultLine | undefined;
  for (const line of lines) {
    const folder = line.name === null ? 'files/' : `files/${line.name}/`;
    if (!filePath.startsWith(folder)) continue;
    const listed = Array.isArray(line.extra?.files) && line.extra.files.some((name) => `${folder}${String(name)}` === filePath);
    if (listed) return line.line;
    if (!best || (best.name?.length ?? -1) < (line.name?.length ?? -1)) best = line;
  }
  return best?.line ?? null;
}
