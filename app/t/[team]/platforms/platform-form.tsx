'use client';

import { useState } from 'react';
import { Field } from '../../../_components/field';
import { SimpleForm } from '../../../_components/simple-form';

const kinds = ['container', 'ssh', 'testing-farm'] as const;
type Kind = (typeof kinds)[number];

/** "distro=fedora-41 arch=x86_64" → {distro: "fedora-41", arch: "x86_64"}; a malformed pair is left for the API to reject. */
function parsePairs(text: string): Record<string, string> {
  const pairs = text.split(/\s+/).filter(Boolean);
  return Object.fromEntries(pairs.map((pair) => [pair.split('=')[0], pair.slice(pair.indexOf('=') + 1)]));
}

function parseHosts(text: string) {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((entry) => {
      const match = /^(?:([^@]+)@)?([^:]+)(?::(\d+))?$/.exec(entry);
      return match ? { user: match[1] ?? 'root', host: match[2], port: match[3] ? Number(match[3]) : 22 } : { host: entry };
    });
}

function configOf(kind: Kind, form: FormData) {
  switch (kind) {
    case 'container':
      return { kind, image: form.get('image'), privileged: form.get('privileged') === 'on' };
    case 'ssh':
      return { kind, hosts: parseHosts(String(form.get('hosts') ?? '')), resetCommand: form.get('resetCommand') || undefined };
    case 'testing-farm':
      return { kind, compose: form.get('compose'), arch: form.get('arch') || 'x86_64' };
  }
}

export function PlatformForm({ teamSlug, secrets }: { teamSlug: string; secrets: { id: string; name: string }[] }) {
  const [kind, setKind] = useState<Kind>('container');
  return (
    <SimpleForm
      method="POST"
      url={`/api/v1/teams/${teamSlug}/platforms`}
      submitLabel="Create platform"
      body={(form) => ({
        name: form.get('name'),
        config: configOf(kind, form),
        context: parsePairs(String(form.get('context') ?? '')),
        maxRemotes: Number(form.get('maxRemotes')),
        maxSpares: Number(form.get('maxSpares')),
        secretId: form.get('secretId') || null,
      })}
    >
      <Field label="Name">
        <input name="name" required placeholder="fedora-41@x86_64" className="input" />
      </Field>
      <Field label="Provisioner">
        <select name="kind" value={kind} onChange={(event) => setKind(event.target.value as Kind)} className="input">
          {kinds.map((option) => (
            <option key={option}>{option}</option>
          ))}
        </select>
      </Field>
      {kind === 'container' && (
        <>
          <Field label="Image">
            <input name="image" required placeholder="registry.example.com/fedora:41" className="input" />
          </Field>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="privileged" /> privileged
          </label>
        </>
      )}
      {kind === 'ssh' && (
        <>
          <Field label="Hosts (user@host:port, one per line)">
            <textarea name="hosts" required rows={3} className="input font-mono text-xs" />
          </Field>
          <Field label="Reset command (optional)">
            <input name="resetCommand" className="input" />
          </Field>
        </>
      )}
      {kind === 'testing-farm' && (
        <>
          <Field label="Compose">
            <input name="compose" required placeholder="Fedora-41" className="input" />
          </Field>
          <Field label="Architecture">
            <input name="arch" defaultValue="x86_64" className="input" />
          </Field>
        </>
      )}
      {kind !== 'container' && (
        <Field label={kind === 'ssh' ? 'SSH private key secret' : 'API token secret'}>
          <select name="secretId" className="input">
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
        <input name="context" placeholder="distro=fedora-41 arch=x86_64" className="input font-mono text-xs" />
      </Field>
      <div className="grid grid-cols-2 gap-3">
        <Field label="Max remotes">
          <input name="maxRemotes" type="number" min={1} defaultValue={1} className="input" />
        </Field>
        <Field label="Spares">
          <input name="maxSpares" type="number" min={0} defaultValue={0} className="input" />
        </Field>
      </div>
    </SimpleForm>
  );
}
