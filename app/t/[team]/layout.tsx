import Link from 'next/link';
import type { ReactNode } from 'react';
import { requireTeamPage } from '../../_lib/session';

const sections = [
  ['', 'Dashboard'],
  ['runs/new', 'New run'],
  ['runs', 'Runs'],
  ['flaky', 'Flaky tests'],
  ['charts', 'Charts'],
  ['systems', 'Systems'],
  ['platforms', 'Platforms'],
  ['repos', 'Repositories'],
  ['known-issues', 'Known issues'],
  ['waivers', 'Waivers'],
  ['secrets', 'Secrets'],
  ['members', 'Members'],
  ['tokens', 'API tokens'],
  ['settings', 'Settings'],
] as const;

export default async function TeamLayout({ children, params }: { children: ReactNode; params: Promise<{ team: string }> }) {
  const { team, role } = await requireTeamPage((await params).team);
  return (
    <div>
      <div className="mb-4 flex items-baseline gap-3">
        <h1 className="text-xl font-semibold" data-testid="team-name">
          {team.name}
        </h1>
        <span className="text-xs text-slate-500">you are {role}</span>
      </div>
      <nav className="mb-6 flex gap-4 border-b border-slate-200 text-sm">
        {sections.map(([path, label]) => (
          <Link
            key={path}
            href={`/t/${team.slug}${path ? `/${path}` : ''}`}
            className="-mb-px pb-2 hover:border-b-2 hover:border-indigo-500"
          >
            {label}
          </Link>
        ))}
      </nav>
      {children}
    </div>
  );
}
