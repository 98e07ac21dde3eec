'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { pairItems, parsePairs } from '@/lib/shared/context-pairs';
import type { PlatformInfo } from '@/lib/server/platforms/platforms';
import { Field } from '../../../_components/field';
import { SimpleForm } from '../../../_components/simple-form';

const kinds = ['container', 'ssh', 'testing-farm', 'libvirt'] as const;
type Kind = (typeof kinds)[number];

/** What the form edits: a stored platform, or nothing for a new one. */
export type EditablePlatform = Omit<PlatformInfo, 'createdAt' | 'updatedAt'>;

/** Lets the browser refuse a malformed pair before the form's body drops it. */
export const contextPattern = String.raw`\s*([\w\-]+=\S*\s*)*`;

function parseHosts(text: string) {
  return pairItems(text.replaceAll(',', ' '), 'spaces').map((entry) => {
    const match = /^(?:([^@]+)@)?([^:]+)(?::(\d+))?$/.exec(entry);
    return match ? { user: match[1] ?? 'root', host: match[2], port: match[3] ? Number(match[3]) : 22 } : { host: entry };
  });
}

/** What the form edits of a platform's config; what it has no fields for (an SSH pool's pinned host keys) is kept from `previous`. */
function configOf(kind: Kind, form: FormData, previous: EditablePlatform['config'] | undefined) {
  switch (kind) {
    case 'container':
      return { kind, image: form.get('image'), privileged: form.get('privileged') === 'on' };
    case 'ssh':
      return {
        kind,
        hosts: parseHosts(String(form.get('hosts') ?? '')),
        resetCommand: form.get('resetCommand') || undefined,
        quarantineAfter: form.get('quarantineAfter') ? Number(form.get('quarantineAfter')) : undefined,
        hostKeyFingerprints: previous?.kind === 'ssh' ? previous.hostKeyFingerprints : undefined,
      };
    case 'testing-farm':
      return { kind, compose: form.get('compose'), arch: form.get('arch') || 'x86_64', apiUrl: form.get('apiUrl') || undefined };
    case 'libvirt':
      return {
        kind,
        uri: form.get('uri'),
        domains: form.get('domains'),
        pool: form.get('pool'),
        template: form.get('template'),
        user: form.get('user') || 'root',
        hostKeyFingerprint: form.get('hostKeyFingerprint') || undefined,
      };
  }
}

/**
 * Creates a platform, or edits one when `platform` is given; the API
 * validates and names bad fields. `unavailable` says, per kind, why no
 * running worker can run it (null when one can); `testingFarmUrls` are the
 * endpoints the operator allows (the first is the default).
 */
export function PlatformForm({
  teamSlug,
  secrets,
  platform,
  unavailable = {},
  testingFarmUrls,
}: {
  teamSlug: string;
  secrets: { id: string; name: string }[];
  platform?: EditablePlatform;
  unavailable?: Record<string, string | null>;
  testingFarmUrls: readonly string[];
}) {
  const router = useRouter();
  const initialKind = platform && platform.config.kind !== 'local' ? platform.config.kind : 'container';
  const [kind, setKind] = useState<Kind>(initialKind);
  const config = platform?.config;
  const collection = `/api/v1/teams/${teamSlug}/platforms`;
  return (
    <SimpleForm<EditablePlatform>
      method={platform ? 'PATCH' : 'POST'}
      url={platform ? `${collection}/${platform.id}` : collection}
      submitLabel={platform ? 'Save platform' : 'Create platform'}
      onDone={(saved) => platform && saved.name !== platform.name && router.replace(`/t/${teamSlug}/platforms/${saved.id}`)}
      body={(form) => ({
        name: form.get('name'),
        config: configOf(kind, form, config),
        context: parsePairs(pairItems(String(form.get('context') ?? ''), 'spaces'), 'context').values,
        maxRemotes: Number(form.get('maxRemotes')),
        maxSpares: Number(form.get('maxSpares')),
        secretId: kind === 'container' ? null : form.get('secretId') || null,
      })}
    >
      <Field label="Name">
        <input name="name" required placeholder="fedora-41@x86_64" defaultValue={platform?.name} className="input" />
      </Field>
      <Field label="Provisioner">
        <select name="kind" value={kind} onChange={(event) => setKind(event.target.value as Kind)} className="input">
          {kinds.map((option) => (
            <option key={option} value={option}>
              {option}
              {unavailable[option] ? ' (cannot run here yet)' : ''}
            </option>
          ))}
        </select>
      </Field>
      {unavailable[kind] && (
        <p className="text-xs text-amber-700" data-testid="kind-unavailable">
          No running worker can run {kind} platforms: {unavailable[kind]}. You can still create one; its runs wait until a worker can.
        </p>
      )}
      {kind === 'container' && (
        <>
          <Field label="Image">
            <input
              name="image"
              required
              placeholder="registry.example.com/fedora:41"
              defaultValue={config?.kind === 'container' ? config.image : undefined}
              className="input"
            />
          </Field>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="privileged" defaultChecked={config?.kind === 'container' && config.privileged} /> privileged
          </label>
        </>
      )}
      {kind === 'ssh' && (
        <>
          <Field label="Hosts (user@host:port, one per line)">
            <textarea
              name="hosts"
              required
              rows={3}
              defaultValue={
                config?.kind === 'ssh' ? config.hosts.map((host) => `${host.user}@${host.host}:${host.port}`).join('\n') : undefined
              }
              className="input font-mono text-xs"
            />
          </Field>
          <Field label="Reset command (optional)">
            <input name="resetCommand" defaultValue={config?.kind === 'ssh' ? config.resetCommand : undefined} className="input" />
          </Field>
          <div>
            <Field label="Quarantine a host after (failures in a row, optional)">
              <input
                name="quarantineAfter"
                type="number"
                min={1}
                max={1000}
                placeholder="never"
                aria-describedby="quarantine-after-help"
                defaultValue={config?.kind === 'ssh' ? config.quarantineAfter : undefined}
                className="input"
              />
            </Field>
            <p id="quarantine-after-help" className="mt-1 text-xs text-slate-500">
              A host that fails this many times in a row for infrastructure reasons (its set-up fails, it loses the connection during a
              test, it does not come back from a reboot) is taken out of the pool until an admin puts it back on the Systems page. Tests
              that fail, time out or break the control protocol are their own failures and do not count. Empty: hosts are never taken out.
            </p>
          </div>
        </>
      )}
      {kind === 'testing-farm' && (
        <>
          <Field label="Compose">
            <input
              name="compose"
              required
              placeholder="Fedora-41"
              defaultValue={config?.kind === 'testing-farm' ? config.compose : undefined}
              className="input"
            />
          </Field>
          <Field label="Architecture">
            <input name="arch" defaultValue={config?.kind === 'testing-farm' ? config.arch : 'x86_64'} className="input" />
          </Field>
          {testingFarmUrls.length > 1 && (
            <Field label="Testing Farm API">
              <select
                name="apiUrl"
                defaultValue={(config?.kind === 'testing-farm' && config.apiUrl) || testingFarmUrls[0]}
                className="input"
              >
                {testingFarmUrls.map((url) => (
                  <option key={url}>{url}</option>
                ))}
              </select>
            </Field>
          )}
        </>
      )}
      {kind === 'libvirt' && (
        <>
          <Field label="VM host (qemu:///system or qemu+ssh://user@host/system)">
            <input
              name="uri"
              required
              placeholder="qemu+ssh://virt@vmhost.example.com/system"
              defaultValue={config?.kind === 'libvirt' ? config.uri : undefined}
              className="input font-mono text-xs"
            />
          </Field>
          <Field label="Domains (name pattern, * and ? as wildcards)">
            <input
              name="domains"
              required
              placeholder="testyard-*"
              defaultValue={config?.kind === 'libvirt' ? config.domains : undefined}
              className="input font-mono text-xs"
            />
          </Field>
          <div className="grid grid-cols-2 gap-3">
            <Field label="Storage pool">
              <input
                name="pool"
                required
                placeholder="default"
                defaultValue={config?.kind === 'libvirt' ? config.pool : undefined}
                className="input"
              />
            </Field>
            <Field label="Template volume">
              <input
                name="template"
                required
                placeholder="fedora-41.qcow2"
                defaultValue={config?.kind === 'libvirt' ? config.template : undefined}
                className="input"
              />
            </Field>
          </div>
          <div className="grid grid-cols-2 gap-3">
            <Field label="Guest user">
              <input name="user" defaultValue={config?.kind === 'libvirt' ? config.user : 'root'} className="input" />
            </Field>
            <Field label="VM host key (optional, SHA256:…)">
              <input
                name="hostKeyFingerprint"
                defaultValue={config?.kind === 'libvirt' ? config.hostKeyFingerprint : undefined}
                className="input font-mono text-xs"
              />
            </Field>
          </div>
        </>
      )}
      {kind !== 'container' && (
        <Field label={kind === 'testing-farm' ? 'API token secret' : 'SSH private key secret'}>
          <select name="secretId" defaultValue={platform?.secretId ?? ''} className="input">
            <option value="">(choose a secret)</option>
            {secrets.map((secret) => (
              <option key={secret.id} value={secret.id}>
                {secret.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <Field label="fmf context (key=value …)">
        <input
          name="context"
          placeholder="distro=fedora-41 arch=x86_64"
          pattern={contextPattern}
          title="key=value pairs separated by spaces"
          defaultValue={
            platform
              ? Object.entries(platform.context)
                  .map(([key, value]) => `${key}=${value}`)
                  .join(' ')
              : undefined
          }
          className="input font-mono text-xs"
        />
      </Field>
      <div className="grid grid-cols-2 gap-3">
        <Field label="Max remotes">
          <input name="maxRemotes" type="number" min={1} defaultValue={platform?.maxRemotes ?? 1} className="input" />
        </Field>
        <Field label="Spares">
          <input name="maxSpares" type="number" min={0} defaultValue={platform?.maxSpares ?? 0} className="input" />
        </Field>
      </div>
    </SimpleForm>
  );
}
