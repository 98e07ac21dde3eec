import { publicUrl } from '../config';
/** The origins the app's own pages are served from: the public address (and its loopback aliases when it is local). */
export function trustedOrigins(): string[] {
  const url = new URL(publicUrl());
  const origins = [url.origin];
  for (const alias of ['localhost', '127.0.0.1']) {
    if (url.hostname === 'localhost' || url.hostname === '127.0.0.1')
      origins.push(`${url.protocol}//${alias}${url.port ? `:${url.port}` : ''}`);
  }
  return [...new Set(origins)];
}
