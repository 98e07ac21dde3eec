import { createWriteStream } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export function emptyStream(): Readable {
  const stream = new PassThrough();
  stream.end();
  return stream;
}

/** Appends everything `source` produces to a local file; settles when the bytes are on their way to disk. */
export function appendStreamToFile(source: Readable, filePath: string): Promise<void> {
  return pipeline(source, createWriteStream(filePath, { flags: 'a' }));
}
