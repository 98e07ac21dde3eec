import { isIP } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import type { OutboundPolicy } from './outbound';

export type FetchFunction = (url: string, init?: RequestInit) => Promise<Response>;

/**
 * `fetch` whose every connection (redirects included) goes to an address the
 * policy allows: the host is resolved and checked when the socket is opened,
 * and the socket is opened to that very address (TLS still checks the name).
 */
export function checkedFetch(policy: OutboundPolicy): FetchFunction {
  const connect = buildConnector({});
  const agent = new Agent({
    connect: (options, callback) => {
      const host = options.hostname.replace(/^\[(.*)\]$/, '$1');
      policy.resolveOne(host).then(
        (address) =>
          connect({ ...options, hostname: address, servername: options.servername ?? (isIP(host) ? undefined : host) }, callback),
        (error: Error) => callback(error, null),
      );
    },
  });
  return (url, init) =>
    undiciFetch(url, { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher: agent }) as unknown as Promise<Response>;
}
