import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { trustedOrigins } from './origins';
import { publicUrl } from '../config';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Why a request that could act on someone's behalf must be refused as
 * cross-site, or null. The browser says where a request comes from
 * (Sec-Fetch-Site, Origin); a request with neither is not from a browser
 * (the CLI, scripts), unless it carries a session cookie and changes
 * something, which only the app's own pages do, and they always send Origin.
 */
export function crossSiteRefusal(
  method: string,
  headers: IncomingHttpHeaders,
  trusted: readonly string[] = trustedOrigins(),
): string | null {
  const site = header(headers, 'sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return `cross-site request refused (Sec-Fetch-Site: ${site})`;
  const origin = header(headers, 'origin');
  if (origin && !trusted.includes(origin)) return `cross-site request refused (Origin: ${origin})`;
  if (safeMethods.has(method.toUpperCase()) || origin || site) return null;
  if (header(headers, 'cookie') && !header(headers, 'authorization'))
    return 'a request that changes something with a session cookie must come from the app (it sends an Origin header)';
  return null;
}

/** Why a request body must be refused before anything parses it: it must be JSON. */
export function bodyTypeRefusal(method: string, headers: IncomingHttpHeaders): string | null {
  if (safeMethods.has(method.toUpperCase())) return null;
  const hasBody = Number(header(headers, 'content-length') ?? 0) > 0 || header(headers, 'transfer-encoding') !== undefined;
  if (!hasBody) return null;
  const type = (header(headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)
    ? null
    : `send the body as JSON (Content-Type: application/json), not ${type || 'without a type'}`;
}

/**
 * Why a request URL cannot be served: a path segment or query part that is
 * not valid percent-encoded UTF-8, or that decodes to a NUL. Pages and API
 * alike would otherwise fail deep inside (a 500) instead of saying so.
 */
export function urlProblem(url: string): string | null {
  const mark = url.indexOf('?');
  const pathname = mark < 0 ? url : url.slice(0, mark);
  const query = mark < 0 ? '' : url.slice(mark + 1);
  const parts = [
    ...pathname.split('/').map((segment) => ({ where: 'the path', text: segment })),
    ...query.split('&').flatMap((pair) => pair.split('=').map((text) => ({ where: 'the query', text: text.replace(/\+/g, ' ') }))),
  ];
  for (const { where, text } of parts) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(text);
    } catch {
      return `${where} has a malformed percent-encoding: ${text.slice(0, 100)}`;
    }
    if (decoded.includes('\0')) return `${where} contains a NUL character`;
  }
  return null;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The Content-Security-Policy of every response: scripts only from this
 * origin and with this response's nonce (Next.js reads it from the request
 * and puts it on its own scripts), no plugins, no framing, no foreign
 * forms. Development mode needs eval for React's debugging aids.
 */
export function contentSecurityPolicy(nonce: string, dev: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    `style-src-elem 'self' 'nonce-${nonce}'`,
    // style="" attributes (widths of progress bars, positions in long lists) cannot carry a nonce
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(publicUrl().startsWith('https:') ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

/** Headers every response carries, pages and API alike. */
export function securityHeaders(nonce: string, dev: boolean): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(nonce, dev),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    // Run and result URLs name teams and tests: other sites need not learn them.
    'Referrer-Policy': 'same-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
    ...(publicUrl().startsWith('https:') ? { 'Strict-Transport-Security': 'max-age=31536000' } : {}),
  };
}

/**
 * Run by the web server before Next.js sees a request: sets the security
 * headers (and hands the CSP with its nonce to Next.js), and answers
 * cross-site or non-JSON requests to the API itself. False when it answered.
 */
export function guardRequest(request: IncomingMessage, response: ServerResponse, dev: boolean): boolean {
  const nonce = randomBytes(16).toString('base64');
  const headers = securityHeaders(nonce, dev);
  // Defaults for every response: a handler that sets its own (a stored file's sandbox policy) keeps it.
  const writeHead = response.writeHead;
  response.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    for (const [name, value] of Object.entries(headers)) if (!this.hasHeader(name)) this.setHeader(name, value);
    return writeHead.apply(this, args);
  } as ServerResponse['writeHead'];
  request.headers['content-security-policy'] = headers['Content-Security-Policy'];
  const url = request.url ?? '/';
  const pathname = url.split('?')[0]!;
  const badUrl = urlProblem(url);
  if (badUrl) return answer(response, 400, badUrl);
  if (!pathname.startsWith('/api/')) return true;
  const method = request.method ?? 'GET';
  const refusal = crossSiteRefusal(method, request.headers);
  if (refusal) return answer(response, 403, refusal);
  const bodyProblem = pathname.startsWith('/api/v1/') ? bodyTypeRefusal(method, request.headers) : null;
  if (bodyProblem) return answer(response, 415, bodyProblem);
  return true;
}

function answer(response: ServerResponse, status: number, error: string): false {
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json');
  response.end(JSON.stringify({ error }));
  return false;
}
