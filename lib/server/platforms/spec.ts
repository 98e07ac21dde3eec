import { z } from 'zod';
import { inputLimits } from '../validation';
import { domainGlob, libvirtName } from '../../engine/provision/libvirt/names';
import { parseVmHostUri } from '../../engine/provision/libvirt/host-uri';
import type { ProvisionerConfig, ProvisionerKind } from '../../engine/provision/config';
import { messageOf } from '../../shared/errors';

export type { ProvisionerConfig, ProvisionerKind };

const hostName = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[\w.:-]+$/, 'not a host name or address');
const envVarName = z
  .string()
  .max(256)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not an environment variable name');

/** Environment variables: bounded in number and size, so one platform or run cannot grow without end. */
export const environmentVariables = z
  .record(envVarName, z.string().max(inputLimits.environmentValueLength))
  .refine(
    (variables) => Object.keys(variables).length <= inputLimits.environmentVariables,
    `at most ${inputLimits.environmentVariables} variables`,
  );

const sshHost = z.object({
  host: hostName,
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().min(1).max(64).default('root'),
});

/** How a platform's systems are provisioned; one shape per provisioner kind, as the engine takes it. */
export const provisionerConfig = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('container'),
    image: z.string().trim().min(1).max(500),
    env: environmentVariables.default({}),
    privileged: z.boolean().default(false),
    memoryMiB: z
      .number()
      .int()
      .positive()
      .max(1024 * 1024)
      .optional(),
    cpus: z.number().positive().max(1024).optional(),
  }),
  z.object({
    kind: z.literal('ssh'),
    hosts: z
      .array(sshHost)
      .min(1, 'list at least one host')
      .max(inputLimits.sshHosts, `at most ${inputLimits.sshHosts} hosts`)
      .superRefine((hosts, context) => {
        // A host is one system: listed twice, the pool would wait for a second system that never comes.
        const seen = new Map<string, number>();
        hosts.forEach((host, index) => {
          const key = `${host.host.toLowerCase()}:${host.port}`;
          const first = seen.get(key);
          if (first === undefined) seen.set(key, index);
          else
            context.addIssue({
              code: 'custom',
              path: [index],
              message: `${host.host}:${host.port} is already listed as host ${first + 1}; each host is one system`,
            });
        });
      }),
    /** Run on a host when its lease ends, e.g. to roll back a snapshot. */
    resetCommand: z.string().max(4096).optional(),
    /** Opt-in: a host whose set-up or tests fail this many times in a row for infrastructure reasons leaves the pool till an admin puts it back. */
    quarantineAfter: z.number().int().min(1).max(1000).optional(),
    hostKeyFingerprints: z
      .record(z.string().max(300), z.string().max(200))
      .refine((pins) => Object.keys(pins).length <= inputLimits.sshHosts * 2, 'too many fingerprints')
      .default({}),
  }),
  z.object({
    kind: z.literal('testing-farm'),
    compose: z.string().trim().min(1).max(200),
    arch: z.string().trim().min(1).max(50).default('x86_64'),
    /** One of the endpoints the operator allows (TESTYARD_TESTING_FARM_URLS); the first when absent. */
    apiUrl: z.url().max(2000).optional(),
    pool: z.string().max(200).optional(),
  }),
  z.object({
    kind: z.literal('libvirt'),
    /** qemu:///system (the worker's own libvirt) or qemu+ssh://USER@HOST[:PORT]/system. */
    uri: z
      .string()
      .trim()
      .max(300)
      .superRefine((uri, context) => {
        try {
          parseVmHostUri(uri);
        } catch (error) {
          context.addIssue({ code: 'custom', message: messageOf(error) });
        }
      }),
    /** Glob over the names of the pre-created domains, e.g. "testyard-*". */
    domains: z
      .string()
      .trim()
      .regex(domainGlob, 'letters, digits, _ . + - and the wildcards * ? only, starting with a letter, digit or wildcard'),
    /** Storage pool with the template and the domains' own volumes. */
    pool: z.string().trim().regex(libvirtName, 'not a libvirt pool name (letters, digits, _ . + -)'),
    /** The volume each domain's disk is cloned from. */
    template: z.string().trim().regex(libvirtName, 'not a libvirt volume name (letters, digits, _ . + -)'),
    /** Guest login. */
    user: z
      .string()
      .trim()
      .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/, 'not a user name')
      .default('root'),
    /** The VM host's SSH host key, `SHA256:...`; accepted on first sight when unset. */
    hostKeyFingerprint: z
      .string()
      .trim()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'not an SSH fingerprint (SHA256:...)')
      .optional(),
  }),
  z.object({ kind: z.literal('local') }),
]) satisfies z.ZodType<ProvisionerConfig, unknown>;

/** Kinds that cannot work without a stored secret (an SSH key, a service token). */
export const kindsNeedingSecret: ReadonlySet<ProvisionerKind> = new Set(['ssh', 'testing-farm', 'libvirt']);

/** fmf context dimensions, e.g. {"distro": "fedora-41", "arch": "x86_64"}. */
export const fmfContext = z
  .record(
    z
      .string()
      .max(100)
      .regex(/^[\w-]+$/, 'not a context dimension name'),
    z.string().max(inputLimits.contextValueLength),
  )
  .refine((context) => Object.keys(context).length <= inputLimits.contextDimensions, `at most ${inputLimits.contextDimensions} dimensions`);
