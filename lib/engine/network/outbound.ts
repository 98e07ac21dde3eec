import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** A connection the operator's outbound policy does not allow; the message names the host as the tenant wrote it, never what it resolved to. */
export class OutboundRefused extends Error {
  readonly code = 'EOUTBOUNDREFUSED';
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Addresses no tenant-supplied host may reach unless the operator allows
 * them: this machine (loopback, "this network", its own interfaces),
 * link-local (where cloud metadata services live), multicast and reserved
 * space. Private ranges stay reachable: lab machines live there.
 */
const builtInDenied: readonly string[] = [
  '0.0.0.0/8',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '100.100.100.200/32', // Alibaba Cloud metadata
  '192.0.0.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  '::1/128',
  'fe80::/10',
  'fec0::/10',
  'ff00::/8',
  'fd00:ec2::254/128', // AWS metadata over IPv6
];

/** What `private` stands for in TESTYARD_OUTBOUND_DENY. */
const privateRanges: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'];

interface Entries {
  blocks: BlockList;
  names: Set<string>;
}

/**
 * Which addresses outbound connections made for tenants (SSH hosts, git
 * remotes, Testing Farm) may reach. The operator's deny list always wins;
 * then the allow list; then the built-in denials and this machine's own
 * addresses. Every check is on resolved addresses, and callers connect to
 * exactly the address that was checked, so a name that resolves differently
 * the second time (DNS rebinding) gains nothing.
 */
export class OutboundPolicy {
  private constructor(
    private readonly allow: Entries,
    private readonly deny: Entries,
    private readonly denied: BlockList,
  ) {}

  /**
   * `allow` and `deny` hold host names, addresses and CIDRs (`deny` also
   * `private`); `ownAddresses` are this machine's interface addresses.
   * A malformed entry throws: a typo must not silently open or close the network.
   */
  static fromLists(allow: readonly string[], deny: readonly string[], ownAddresses: readonly string[]): OutboundPolicy {
    const denied = new BlockList();
    for (const range of builtInDenied) addEntry(denied, range);
    for (const address of ownAddresses) addEntry(denied, address);
    return new OutboundPolicy(
      entries(allow),
      entries(deny.flatMap((entry) => (entry.toLowerCase() === 'private' ? privateRanges : [entry]))),
      denied,
    );
  }

  /** Why `address` (reached as `host`) is refused, or null when it is allowed. */
  refusal(host: string, address: string): string | null {
    const name = host.toLowerCase();
    const candidates = embeddedAddresses(address);
    if (this.deny.names.has(name) || candidates.some((candidate) => matches(this.deny.blocks, candidate)))
      return 'the operator denies this destination';
    if (this.allow.names.has(name) || candidates.some((candidate) => matches(this.allow.blocks, candidate))) return null;
    if (candidates.some((candidate) => matches(this.denied, candidate))) {
      return 'it is this server, a loopback, link-local (cloud metadata) or reserved address; the operator can allow it with TESTYARD_OUTBOUND_ALLOW';
    }
    return null;
  }

  /** Every address `host` resolves to, each checked; throws OutboundRefused when any is refused. */
  async resolve(host: string): Promise<ResolvedAddress[]> {
    const bare = host.replace(/^\[(.*)\]$/, '$1');
    let addresses: ResolvedAddress[];
    if (isIP(bare)) addresses = [{ address: bare, family: isIP(bare) as 4 | 6 }];
    else {
      try {
        addresses = (await lookup(bare, { all: true, verbatim: true })).map(({ address, family }) => ({
          address,
          family: family as 4 | 6,
        }));
      } catch {
        throw new OutboundRefused(`cannot resolve host ${host}`);
      }
    }
    for (const { address } of addresses) {
      const reason = this.refusal(bare, address);
      if (reason) throw new OutboundRefused(`connecting to ${host} is not allowed: ${reason}`);
    }
    if (addresses.length === 0) throw new OutboundRefused(`cannot resolve host ${host}`);
    return addresses;
  }

  /** One checked address of `host`, to connect to instead of the name. */
  async resolveOne(host: string): Promise<string> {
    return (await this.resolve(host))[0]!.address;
  }

  /** A `lookup` for net.connect / tls.connect that only ever yields checked addresses. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolve(hostname).then(
      (addresses) => {
        const wanted =
          options.family === 4 || options.family === 6 ? addresses.filter((entry) => entry.family === options.family) : addresses;
        if (wanted.length === 0)
          return callback(Object.assign(new Error(`no IPv${options.family} address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) (callback as unknown as (error: null, all: ResolvedAddress[]) => void)(null, wanted);
        else callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: Error) => callback(Object.assign(error, { code: 'EOUTBOUNDREFUSED' }), '', 0),
    );
  };
}

function entries(list: readonly string[]): Entries {
  const blocks = new BlockList();
  const names = new Set<string>();
  for (const raw of list) {
    const entry = raw.trim();
    if (!entry) continue;
    if (isIP(entry.replace(/^\[(.*)\]$/, '$1')) || entry.includes('/')) addEntry(blocks, entry);
    else if (/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(entry)) names.add(entry.toLowerCase());
    else throw new Error(`not a host name, address or CIDR: ${JSON.stringify(entry)}`);
  }
  return { blocks, names };
}

function addEntry(list: BlockList, entry: string): void {
  const [network, prefix] = entry.replace(/^\[(.*)\]$/, '$1').split('/');
  const family = isIP(network ?? '');
  if (!family || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) throw new Error(`not an address or CIDR: ${JSON.stringify(entry)}`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
  if (bits > (family === 4 ? 32 : 128)) throw new Error(`prefix too long in ${JSON.stringify(entry)}`);
  list.addSubnet(network!, bits, type);
}

function matches(list: BlockList, address: string): boolean {
  return list.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The address and any IPv4 address it carries (mapped, compatible, NAT64,
 * 6to4), so ::ffff:127.0.0.1 or 64:ff9b::7f00:1 count as loopback.
 */
function embeddedAddresses(address: string): string[] {
  if (isIP(address) !== 6) return [address];
  const words = expandIpv6(address);
  if (!words) return [address];
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  const zeros = (from: number, to: number) => words.slice(from, to).every((word) => word === 0);
  const found = [address];
  if (zeros(0, 5) && (words[5] === 0xffff || words[5] === 0) && !(words[5] === 0 && words[6] === 0)) found.push(v4(words[6]!, words[7]!));
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) found.push(v4(words[6]!, words[7]!));
  if (words[0] === 0x2002) found.push(v4(words[1]!, words[2]!));
  return found;
}

function expandIpv6(address: string): number[] | null {
  let text = address.split('%')[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const parts = dotted[1]!.split('.').map(Number);
    text =
      text.slice(0, -dotted[1]!.length) + `${((parts[0]! << 8) | parts[1]!).toString(16)}:${((parts[2]! << 8) | parts[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((word) => parseInt(word, 16)) : []);
  const start = parse(head);
  const end = parse(tail);
  const words = tail === undefined ? start : [...start, ...new Array<number>(8 - start.length - end.length).fill(0), ...end];
  return words.length === 8 && words.every((word) => Number.isInteger(word) && word >= 0 && word <= 0xffff) ? words : null;
}
