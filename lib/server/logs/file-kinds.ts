import path from 'node:path';

/** How a result page shows a stored file. */
export type FileViewer = 'image' | 'html' | 'text' | 'download';

const types: Record<string, [string, FileViewer]> = {
  '.png': ['image/png', 'image'],
  '.jpg': ['image/jpeg', 'image'],
  '.jpeg': ['image/jpeg', 'image'],
  '.gif': ['image/gif', 'image'],
  '.webp': ['image/webp', 'image'],
  '.svg': ['image/svg+xml', 'image'],
  '.html': ['text/html; charset=utf-8', 'html'],
  '.htm': ['text/html; charset=utf-8', 'html'],
  '.json': ['application/json', 'text'],
  '.xml': ['application/xml', 'text'],
  '.gz': ['application/gzip', 'download'],
  '.xz': ['application/x-xz', 'download'],
  '.tar': ['application/x-tar', 'download'],
  '.zip': ['application/zip', 'download'],
  '.rpm': ['application/x-rpm', 'download'],
  '.pdf': ['application/pdf', 'download'],
  '.bin': ['application/octet-stream', 'download'],
};

/** Content type and viewer by file name; anything unrecognised is treated as text (logs rarely have a telling extension). */
export function fileKind(filePath: string): { contentType: string; viewer: FileViewer } {
  const [contentType, viewer] = types[path.extname(filePath).toLowerCase()] ?? ['text/plain; charset=utf-8', 'text'];
  return { contentType, viewer };
}
