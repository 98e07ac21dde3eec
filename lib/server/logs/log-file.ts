import { open, type FileHandle } from 'node:fs/promises';
import type { LineIndex } from './line-index';

const newline = 10;
const readChunkBytes = 256 * 1024;
const searchChunkBytes = 4 * 1024 * 1024;
/** Longer lines are cut for display (the download has them whole). */
export const maxLineBytes = 64 * 1024;
const previewBytes = 300;

/**
 * A text file read by line number without loading it: ranged reads guided
 * by a cached line index. A file still being written is read as it was when
 * `size` was taken, up to the end of its last complete line.
 */
export interface LogFile {
  path: string;
  size: number;
  index: LineIndex;
}

export interface LogLines {
  /** Number of the first line returned, from 0. */
  from: number;
  lines: string[];
  /** The file's line count, once its index is complete. */
  totalLines: number | null;
  /** Lines counted so far (equals totalLines when complete). */
  knownLines: number;
}

export interface SearchMatch {
  line: number;
  /** The matching line, or the part of it around the match for long lines. */
  text: string;
}

export interface SearchResult {
  matches: SearchMatch[];
  /** Where to continue the search; null when the file's end was reached. */
  nextLine: number | null;
}

async function withFile<T>(file: LogFile, use: (handle: FileHandle) => Promise<T>): Promise<T> {
  const handle = await open(file.path, 'r');
  try {
    return await use(handle);
  } finally {
    await handle.close();
  }
}

/** Calls `onLine` for each line from byte `start` on until it returns false or the file ends; line bytes past maxLineBytes are dropped. */
async function forEachLine(
  handle: FileHandle,
  file: LogFile,
  start: number,
  onLine: (bytes: Buffer, truncated: boolean) => boolean,
): Promise<void> {
  const buffer = Buffer.allocUnsafe(readChunkBytes);
  let pieces: Buffer[] = [];
  let pieceBytes = 0;
  let truncated = false;
  const keep = (piece: Buffer) => {
    const room = maxLineBytes - pieceBytes;
    if (piece.length > room) truncated = true;
    if (room > 0) {
      const kept = Buffer.from(piece.subarray(0, room));
      pieces.push(kept);
      pieceBytes += kept.length;
    }
  };
  const finishLine = () => {
    const more = onLine(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces), truncated);
    pieces = [];
    pieceBytes = 0;
    truncated = false;
    return more;
  };
  for (let position = start; position < file.size;) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(readChunkBytes, file.size - position), position);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    let lineStart = 0;
    for (let at = chunk.indexOf(newline); at !== -1; at = chunk.indexOf(newline, lineStart)) {
      keep(chunk.subarray(lineStart, at));
      lineStart = at + 1;
      if (!finishLine()) return;
    }
    keep(chunk.subarray(lineStart));
    position += bytesRead;
  }
  if (pieceBytes > 0 || truncated) finishLine();
}

/** Byte offset where `line` starts (the file's size past its last line). */
async function offsetOfLine(handle: FileHandle, file: LogFile, line: number): Promise<number> {
  const checkpoint = await file.index.checkpointForLine(line);
  let offset = checkpoint.offset;
  let toSkip = line - checkpoint.line;
  if (toSkip === 0) return offset;
  const buffer = Buffer.allocUnsafe(readChunkBytes);
  while (offset < file.size) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(readChunkBytes, file.size - offset), offset);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    for (let at = chunk.indexOf(newline); at !== -1; at = chunk.indexOf(newline, at + 1)) {
      if (--toSkip === 0) return offset + at + 1;
    }
    offset += bytesRead;
  }
  return file.size;
}

/** Line number holding byte `offset`: the nearest checkpoint plus the newlines between. */
async function lineOfOffset(handle: FileHandle, file: LogFile, offset: number): Promise<number> {
  const checkpoint = await file.index.checkpointForOffset(offset);
  let line = checkpoint.line;
  const buffer = Buffer.allocUnsafe(readChunkBytes);
  for (let position = checkpoint.offset; position < offset;) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(readChunkBytes, offset - position), position);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    for (let at = chunk.indexOf(newline); at !== -1; at = chunk.indexOf(newline, at + 1)) line++;
    position += bytesRead;
  }
  return line;
}

/** Lines [from, from + count) of the file. */
export async function readLogLines(file: LogFile, from: number, count: number): Promise<LogLines> {
  const { index } = file;
  const lines: string[] = [];
  if (count > 0 && !index.isPastEnd(from)) {
    await withFile(file, async (handle) => {
      const start = await offsetOfLine(handle, file, from);
      await forEachLine(handle, file, start, (bytes, truncated) => {
        lines.push(bytes.toString('utf8') + (truncated ? ' …[line cut]' : ''));
        return lines.length < count;
      });
    });
  }
  return { from, lines, totalLines: index.totalLines, knownLines: index.knownLines };
}

/** The line count, waiting for the index to be complete. */
export function countLogLines(file: LogFile): Promise<number> {
  return file.index.whenComplete();
}

/**
 * Lines containing `query` from line `fromLine` on, at most `limit` of them;
 * compared byte for byte, or with `ignoreCase` with ASCII letters folded.
 * Streams through the file in fixed-size chunks, so memory stays flat
 * whatever the file's size.
 */
export async function searchLog(
  file: LogFile,
  query: string,
  fromLine: number,
  limit: number,
  { ignoreCase = false } = {},
): Promise<SearchResult> {
  const needle = Buffer.from(query, 'utf8');
  const finderIn = ignoreCase ? asciiCaseFoldingFinder(needle) : exactFinder(needle);
  const matches: SearchMatch[] = [];
  if (file.size === 0 || file.index.isPastEnd(fromLine)) return { matches, nextLine: null };
  return withFile(file, async (handle) => {
    const buffer = Buffer.allocUnsafe(searchChunkBytes);
    let position = await offsetOfLine(handle, file, fromLine);
    while (position < file.size) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(searchChunkBytes, file.size - position), position);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      const find = finderIn(chunk);
      // A match starting in the last needle-length bytes may run into the next chunk: it is found there.
      const searchEnd = position + bytesRead >= file.size ? bytesRead : Math.max(1, bytesRead - needle.length + 1);
      let next = position + searchEnd;
      for (let at = find(0); at !== -1 && at < searchEnd;) {
        const lineEnd = chunk.indexOf(newline, at);
        const line = await lineOfOffset(handle, file, position + at);
        matches.push({ line, text: preview(chunk, at, lineEnd === -1 ? bytesRead : lineEnd) });
        if (matches.length >= limit) return { matches, nextLine: line + 1 };
        // One match per line: go on after the line's end, wherever that is.
        if (lineEnd === -1) {
          next = await offsetOfLine(handle, file, line + 1);
          break;
        }
        next = Math.max(next, position + lineEnd + 1);
        at = find(lineEnd + 1);
      }
      position = next;
    }
    return { matches, nextLine: null };
  });
}

/** For one chunk: the byte offset of the first match at or after `from`, or -1. */
type Finder = (chunk: Buffer) => (from: number) => number;

function exactFinder(needle: Buffer): Finder {
  return (chunk) => (from) => chunk.indexOf(needle, from);
}

/**
 * Matches with ASCII letters in either case and every other byte as it is.
 * Windows of the chunk are read as latin1 (one character per byte, so offsets
 * stay byte offsets) and searched with a regular expression of the needle's
 * bytes. The windows stay small: in a server with a large heap, strings of
 * megabytes would each cost a full garbage collection.
 */
function asciiCaseFoldingFinder(needle: Buffer): Finder {
  // With an all-ASCII needle the `i` flag folds exactly the ASCII letters (a character from 128 up
  // never folds to one below), and is the fastest; otherwise each letter becomes a two-letter class.
  const ascii = needle.every((byte) => byte < 0x80);
  const source = [...needle]
    .map((byte) => {
      const character = String.fromCharCode(byte);
      if (/[a-zA-Z]/.test(character)) return ascii ? character : `[${character.toLowerCase()}${character.toUpperCase()}]`;
      return /[0-9]/.test(character) ? character : `\\x${byte.toString(16).padStart(2, '0')}`;
    })
    .join('');
  const pattern = new RegExp(source, ascii ? 'i' : '');
  return (chunk) => (from) => {
    for (let start = from; start < chunk.length; start += foldingWindowBytes) {
      // Each window overlaps the next by the needle's length less one, so no match falls between them.
      const match = pattern.exec(chunk.toString('latin1', start, Math.min(chunk.length, start + foldingWindowBytes + needle.length - 1)));
      if (match) return start + match.index;
    }
    return -1;
  };
}

/** Below V8's large-object size, so the window strings die young. */
const foldingWindowBytes = 64 * 1024;

function preview(chunk: Buffer, at: number, lineEnd: number): string {
  const lineStart = chunk.lastIndexOf(newline, at) + 1;
  const start = Math.max(lineStart, at - previewBytes / 2);
  const end = Math.min(lineEnd, start + previewBytes);
  return (start > lineStart ? '…' : '') + chunk.toString('utf8', start, end) + (end < lineEnd ? '…' : '');
}
