/** Testing Farm's own test that installs the given SSH key and then keeps the system reserved. */
const reserveTest = { url: 'https://gitlab.com/testing-farm/tests', ref: 'main', path: '.', name: '/testing-farm/reserve' };

export interface ReservationSpec {
  compose: string;
  arch: string;
  pool?: string;
  /** `ssh-ed25519 AAAA...`; only the key type and body are sent. */
  publicKey: string;
  /** How long the whole request may live (queue, install, reservation), in minutes. */
  durationMinutes: number;
  /** Source network allowed to reach the system, e.g. "203.0.113.7/32" (public ranch firewalls). */
  sshSourceCidr?: string;
}

/** The POST /requests body for one reserved system. */
export function reservationRequest(spec: ReservationSpec): object {
  // drop the key comment: it may carry a user or host name
  const [keyType, keyBody] = spec.publicKey.trim().split(/\s+/);
  const authorizedKeys = Buffer.from(`${keyType} ${keyBody} testyard\n`).toString('base64');
  return {
    test: { fmf: reserveTest },
    environments: [
      {
        arch: spec.arch,
        os: { compose: spec.compose },
        ...(spec.pool && { pool: spec.pool }),
        variables: { TF_RESERVATION_DURATION: String(spec.durationMinutes) },
        secrets: { TF_RESERVATION_AUTHORIZED_KEYS_BASE64: authorizedKeys },
        settings: {
          provisioning: {
            tags: { ArtemisUseSpot: 'false' },
            ...(spec.sshSourceCidr && {
              security_group_rules_ingress: [{ type: 'ingress', protocol: '-1', cidr: spec.sshSourceCidr, port_min: 0, port_max: 65535 }],
            }),
          },
        },
      },
    ],
    settings: { pipeline: { timeout: spec.durationMinutes } },
  };
}

export interface GuestAddress {
  user: string;
  host: string;
  port: number;
}

/**
 * The guest's login as the pipeline log announces it, e.g.
 * "... Guest is ready: ArtemisGuest(<id>, root@10.0.0.5, arch=x86_64, ...)".
 * The real service gives no port (22); `host:port` is accepted too.
 */
export function findGuestAddress(pipelineLog: string): GuestAddress | null {
  const match = /Guest is ready: ArtemisGuest\([^,]+, ([^\s@,]+)@([^,\s]+), arch=/.exec(pipelineLog);
  if (!match) return null;
  const [, user = '', address = ''] = match;
  const bracketed = /^\[(.+)\](?::(\d+))?$/.exec(address);
  if (bracketed) return { user, host: bracketed[1] ?? '', port: Number(bracketed[2] ?? 22) };
  const hostAndPort = /^([^:]+):(\d+)$/.exec(address);
  if (hostAndPort) return { user, host: hostAndPort[1] ?? '', port: Number(hostAndPort[2]) };
  return { user, host: address, port: 22 };
}
