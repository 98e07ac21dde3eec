import { createWriteStream } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';

export function emptyStream(): Readable {
  const stream = new PassThrough();
  stream.end();
  return stream;
}

/**
 * Appends what `source` produces to a local file until `close()`, which
 * settles once every byte received so far is written. For transports whose
 * streams may never end when the connection drops.
 */
export function appendToFileUntil(source: Readable, filePath: string): { close(): Promise<void> } {
  const file = createWriteStream(filePath, { flags: 'a' });
  source.pipe(file, { end: false });
  return {
    close: () => {
      source.unpipe(file);
      return new Promise((resolve, reject) => {
        file.once('error', reject);
        file.end(() => resolve());
      });
    },
  };
}
